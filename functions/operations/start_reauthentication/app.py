"""Operation start_reauthentication: how the customer proves themself again (password page or card)."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.signin.operations import START_REAUTHENTICATION
from messenger_bank.signin.service import start_reauthentication

lambda_handler = operation_lambda(START_REAUTHENTICATION, start_reauthentication)
