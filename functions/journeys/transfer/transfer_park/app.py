"""Transfer step - parks the task token of a wait (confirm, or the one-time code after sending it)."""

from messenger_bank.handlers import step_lambda
from messenger_bank.transfers.models import ParkRequest
from messenger_bank.transfers.service import park_transfer_wait

lambda_handler = step_lambda(ParkRequest, park_transfer_wait)
