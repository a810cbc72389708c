"""Transfer step - debits the total from the customer's card into transit (idempotent)."""

from messenger_bank.handlers import step_lambda
from messenger_bank.transfers.models import TransferState
from messenger_bank.transfers.service import debit_transfer

lambda_handler = step_lambda(TransferState, debit_transfer)
