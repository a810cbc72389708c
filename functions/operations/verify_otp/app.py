"""Operation verify_otp: check the one-time code (attempts limited by Cerberus)."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.onboarding.models import CheckCodeRequest
from messenger_bank.onboarding.phone import check_code

lambda_handler = operation_lambda(CheckCodeRequest, check_code)
