"""Card issuance step: the bank's customer and ours, linked to the chat."""

from messenger_bank.handlers import step_lambda
from messenger_bank.onboarding.models import IssuanceState
from messenger_bank.onboarding.registration import register_customer, warm_registering

lambda_handler = step_lambda(IssuanceState, register_customer, warm=warm_registering)
