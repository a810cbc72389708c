"""Operation get_cashback: cashback this month on the card's purchases, by category."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.programs.cashback import get_cashback
from messenger_bank.programs.cashback_operations import GET_CASHBACK

lambda_handler = operation_lambda(GET_CASHBACK, get_cashback)
