"""Cashback payout step (ImageAPI) - once per paid month, the receipt picture and a notice per chat."""

from messenger_bank.handlers import step_lambda
from messenger_bank.purchases.models import PayoutTelling
from messenger_bank.purchases.payout import payout_notices

lambda_handler = step_lambda(PayoutTelling, payout_notices)
