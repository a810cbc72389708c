"""Operation pay_money_request - pays a money request once and tells the requester."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.requests.operations import PAY_MONEY_REQUEST
from messenger_bank.requests.service import pay_money_request

lambda_handler = operation_lambda(PAY_MONEY_REQUEST, pay_money_request)
