"""Operation send_otp: a one-time code by SMS to a typed phone number."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.onboarding.operations import SEND_OTP
from messenger_bank.onboarding.phone import send_code

lambda_handler = operation_lambda(SEND_OTP, send_code)
