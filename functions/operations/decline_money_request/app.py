"""Operation decline_money_request - closes a money request unpaid and tells the requester."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.requests.operations import DECLINE_MONEY_REQUEST
from messenger_bank.requests.service import decline_money_request

lambda_handler = operation_lambda(DECLINE_MONEY_REQUEST, decline_money_request)
