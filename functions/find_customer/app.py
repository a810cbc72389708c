"""Operation find_customer: the customer bound to a messenger identity, if any."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.onboarding.models import FindCustomerRequest
from messenger_bank.onboarding.phone import find_customer

lambda_handler = operation_lambda(FindCustomerRequest, find_customer)
