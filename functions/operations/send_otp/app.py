"""Operation send_otp: a one-time code by SMS to a typed phone number."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.onboarding.models import SendCodeRequest
from messenger_bank.onboarding.phone import send_code

lambda_handler = operation_lambda(SendCodeRequest, send_code)
