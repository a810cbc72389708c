"""Transfer step - tells the recipient, when the card is one of our customers', on their chats (once)."""

from messenger_bank.handlers import step_lambda
from messenger_bank.transfers.models import TransferState
from messenger_bank.transfers.recipient import tell_recipient

lambda_handler = step_lambda(TransferState, tell_recipient)
