"""Operation open_money_request - the money request a Pay / Decline button names."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.requests.models import OpenMoneyRequest
from messenger_bank.requests.service import open_money_request

lambda_handler = operation_lambda(OpenMoneyRequest, open_money_request, session="customer")
