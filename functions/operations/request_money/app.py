"""Operation request_money - asks another bot user for money (Pay / Decline buttons)."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.requests.operations import REQUEST_MONEY
from messenger_bank.requests.service import request_money

lambda_handler = operation_lambda(REQUEST_MONEY, request_money)
