"""Operation get_requisites: the card account's requisites (IBAN) as a PDF link."""

from messenger_bank.cards.operations import GET_REQUISITES
from messenger_bank.cards.service import get_requisites
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(GET_REQUISITES, get_requisites)
