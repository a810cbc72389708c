"""Operation list_saved_payees - payees this customer has paid, most recent first."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.payments.operations import LIST_SAVED_PAYEES
from messenger_bank.payments.service import list_saved_payees

lambda_handler = operation_lambda(LIST_SAVED_PAYEES, list_saved_payees)
