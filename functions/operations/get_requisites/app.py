"""Operation get_requisites: the card account's requisites (IBAN) as a PDF link."""

from messenger_bank.cards.models import GetRequisitesRequest
from messenger_bank.cards.service import get_requisites
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(GetRequisitesRequest, get_requisites, session="customer")
