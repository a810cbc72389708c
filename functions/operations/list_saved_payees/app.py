"""Operation list_saved_payees - payees this customer has paid, most recent first."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.payments.models import CustomerRequest
from messenger_bank.payments.service import list_saved_payees

lambda_handler = operation_lambda(CustomerRequest, list_saved_payees, session="customer")
