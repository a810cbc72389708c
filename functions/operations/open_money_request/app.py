"""Operation open_money_request - the money request a Pay / Decline button names."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.requests.operations import OPEN_MONEY_REQUEST
from messenger_bank.requests.service import open_money_request

lambda_handler = operation_lambda(OPEN_MONEY_REQUEST, open_money_request)
