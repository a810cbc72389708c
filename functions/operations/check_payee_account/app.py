"""Operation check_payee_account - the payee confirms the account (and the amount due, if any)."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.payments.operations import CHECK_PAYEE_ACCOUNT
from messenger_bank.payments.service import check_payee_account

lambda_handler = operation_lambda(CHECK_PAYEE_ACCOUNT, check_payee_account)
