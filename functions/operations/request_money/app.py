"""Operation request_money - asks another bot user for money (Pay / Decline buttons)."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.requests.models import RequestMoneyRequest
from messenger_bank.requests.service import request_money

lambda_handler = operation_lambda(RequestMoneyRequest, request_money, session="customer")
