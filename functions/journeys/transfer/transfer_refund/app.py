"""Transfer step (compensation) - gives the whole debit back; safe to repeat until done."""

from messenger_bank.handlers import step_lambda
from messenger_bank.transfers.models import TransferState
from messenger_bank.transfers.service import refund_transfer

lambda_handler = step_lambda(TransferState, refund_transfer)
