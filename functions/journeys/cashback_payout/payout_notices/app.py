"""Cashback payout step (ImageAPI) - once per paid month, the receipt picture and a notice per chat."""

from messenger_bank.handlers import step_lambda
from messenger_bank.purchases.models import PayoutItem
from messenger_bank.purchases.payout import payout_notices

lambda_handler = step_lambda(PayoutItem, payout_notices)
