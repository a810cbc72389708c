"""Transfer step - checks the one-time code the customer typed."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.transfers.models import CheckCodeRequest
from messenger_bank.transfers.service import check_transfer_code

lambda_handler = operation_lambda(CheckCodeRequest, check_transfer_code)
