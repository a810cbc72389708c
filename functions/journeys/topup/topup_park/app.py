"""Top-up step - parks the wait for the acquirer's callback, then sends the payment link."""

from messenger_bank.handlers import step_lambda
from messenger_bank.topup.link import park_topup_wait
from messenger_bank.topup.models import ParkTopUpRequest

lambda_handler = step_lambda(ParkTopUpRequest, park_topup_wait)
