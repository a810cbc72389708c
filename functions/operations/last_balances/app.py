"""Operation last_balances: the customer's card balances as the bank last told them, with their times."""

from messenger_bank.cards.operations import LAST_BALANCES
from messenger_bank.cards.service import last_balances
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(LAST_BALANCES, last_balances)
