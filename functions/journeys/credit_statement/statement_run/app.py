"""Credit statement step - the month to state and the customers with a card."""

from messenger_bank.cards.models import StatementRunStart
from messenger_bank.cards.statement_run import statement_run
from messenger_bank.handlers import step_lambda

lambda_handler = step_lambda(StatementRunStart, statement_run)
