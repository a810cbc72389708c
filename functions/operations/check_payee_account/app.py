"""Operation check_payee_account - the payee confirms the account (and the amount due, if any)."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.payments.models import CheckPayeeAccountRequest
from messenger_bank.payments.service import check_payee_account

lambda_handler = operation_lambda(CheckPayeeAccountRequest, check_payee_account)
