"""Operation find_customer: the customer bound to this messenger identity, with a session for the chat."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.signin.operations import FIND_CUSTOMER
from messenger_bank.signin.service import open_session

lambda_handler = operation_lambda(FIND_CUSTOMER, open_session)
