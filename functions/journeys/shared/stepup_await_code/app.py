"""Step-up step - Cerberus sends the one-time code, then parks the task token for what the customer types."""

from messenger_bank.handlers import step_lambda
from messenger_bank.spending.models import CodeWait
from messenger_bank.spending.steps import await_code

lambda_handler = step_lambda(CodeWait, await_code)
