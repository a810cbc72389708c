"""Operation last_balances: the customer's card balances as the bank last told them, with their times."""

from messenger_bank.cards.service import last_balances
from messenger_bank.handlers import operation_lambda
from messenger_bank.operations import LAST_BALANCES

lambda_handler = operation_lambda(LAST_BALANCES, last_balances)
