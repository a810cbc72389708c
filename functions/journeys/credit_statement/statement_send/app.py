"""Credit statement step (ImageAPI) - a customer's statement of the month, told once to every chat with its PDF."""

from messenger_bank.cards.models import StatementItem
from messenger_bank.cards.statement_cycle import send_statement
from messenger_bank.handlers import step_lambda

lambda_handler = step_lambda(StatementItem, send_statement)
