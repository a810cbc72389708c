"""Cashback payout step - the month to pay and the customers with an accrual counted in it."""

from messenger_bank.handlers import step_lambda
from messenger_bank.purchases.models import PayoutStart
from messenger_bank.purchases.payout import payout_run

lambda_handler = step_lambda(PayoutStart, payout_run)
