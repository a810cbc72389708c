"""Operation start_reauthentication: how the customer proves themself again (password page or card)."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.signin.models import StartReauthenticationRequest
from messenger_bank.signin.service import start_reauthentication

lambda_handler = operation_lambda(StartReauthenticationRequest, start_reauthentication, session="customer")
