"""Transfer step - claims the quote for this transfer and readies what the messages show."""

from messenger_bank.handlers import step_lambda
from messenger_bank.transfers.models import TransferState
from messenger_bank.transfers.service import prepare_transfer

lambda_handler = step_lambda(TransferState, prepare_transfer)
