"""Operation get_statement: the card account's monthly statement (amount due, minimum, due date) and its PDF."""

from messenger_bank.cards.operations import GET_STATEMENT
from messenger_bank.cards.service import get_statement
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(GET_STATEMENT, get_statement)
