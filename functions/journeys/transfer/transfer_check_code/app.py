"""Transfer step - checks the one-time code the customer typed."""

from messenger_bank.handlers import step_lambda
from messenger_bank.transfers.models import CheckCodeRequest
from messenger_bank.transfers.service import check_transfer_code

lambda_handler = step_lambda(CheckCodeRequest, check_transfer_code)
