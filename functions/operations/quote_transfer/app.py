"""Operation quote_transfer - fee, total and limits, checked before anything moves."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.transfers.operations import QUOTE_TRANSFER
from messenger_bank.transfers.service import quote_transfer

lambda_handler = operation_lambda(QUOTE_TRANSFER, quote_transfer)
