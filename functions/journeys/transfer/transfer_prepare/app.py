"""Transfer step - claims the quote for this transfer and readies what the messages show."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.transfers.models import TransferState
from messenger_bank.transfers.service import prepare_transfer

lambda_handler = operation_lambda(TransferState, prepare_transfer)
