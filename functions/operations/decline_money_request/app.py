"""Operation decline_money_request - closes a money request unpaid and tells the requester."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.requests.models import AnswerMoneyRequest
from messenger_bank.requests.service import decline_money_request

lambda_handler = operation_lambda(AnswerMoneyRequest, decline_money_request, session="customer")
