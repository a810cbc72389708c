"""Cashback payout step - closes a customer's month and pays its net cashback into the card once."""

from messenger_bank.handlers import step_lambda
from messenger_bank.purchases.models import PayoutItem
from messenger_bank.purchases.payout import pay_month

lambda_handler = step_lambda(PayoutItem, pay_month)
