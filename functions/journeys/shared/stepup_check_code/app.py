"""Step-up step - checks the one-time code the customer typed (Cerberus) for a money-out journey."""

from messenger_bank.handlers import step_lambda
from messenger_bank.spending.models import CodeCheck
from messenger_bank.spending.steps import check_code

lambda_handler = step_lambda(CodeCheck, check_code)
