"""Operation sign_in: bind the chat to the customer who proved the phone and a card; a session."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.signin.models import SignInRequest
from messenger_bank.signin.service import sign_in

lambda_handler = operation_lambda(SignInRequest, sign_in)
