"""Operation verify_otp: check the one-time code (attempts limited by Cerberus)."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.onboarding.operations import VERIFY_OTP
from messenger_bank.onboarding.phone import check_code

lambda_handler = operation_lambda(VERIFY_OTP, check_code)
