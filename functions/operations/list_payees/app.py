"""Operation list_payees - the billing catalogue of one category."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.payments.operations import LIST_PAYEES
from messenger_bank.payments.service import list_payees

lambda_handler = operation_lambda(LIST_PAYEES, list_payees)
