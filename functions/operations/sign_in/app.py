"""Operation sign_in: bind the chat to the customer who proved the phone and a card; a session."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.signin.operations import SIGN_IN
from messenger_bank.signin.service import sign_in

lambda_handler = operation_lambda(SIGN_IN, sign_in)
