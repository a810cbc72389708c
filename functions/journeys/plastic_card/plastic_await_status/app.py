"""Plastic card step - parks the task token until the order's next status (resumes at once if it is here)."""

from messenger_bank.handlers import step_lambda
from messenger_bank.plastic.models import AwaitStatusRequest
from messenger_bank.plastic.service import await_status

lambda_handler = step_lambda(AwaitStatusRequest, await_status)
