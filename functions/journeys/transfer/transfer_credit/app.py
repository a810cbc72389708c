"""Transfer step - credits the recipient's card; the only place the card number is detokenised."""

from messenger_bank.handlers import step_lambda
from messenger_bank.transfers.models import TransferState
from messenger_bank.transfers.service import credit_transfer

lambda_handler = step_lambda(TransferState, credit_transfer)
