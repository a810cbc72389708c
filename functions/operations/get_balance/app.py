"""Operation get_balance: a card's balance, once the customer is shown to own it."""

from messenger_bank.cards.operations import GET_BALANCE
from messenger_bank.cards.service import get_balance
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(GET_BALANCE, get_balance)
