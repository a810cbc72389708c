"""Operation get_history: the last operations, masked, as text and a PDF link."""

from messenger_bank.cards.models import GetHistoryRequest
from messenger_bank.cards.service import get_history
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(GetHistoryRequest, get_history, session="customer")
