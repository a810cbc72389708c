"""Operation get_requisites: the card account's requisites (IBAN) as a PDF link."""

from messenger_bank.cards.service import get_requisites
from messenger_bank.handlers import operation_lambda
from messenger_bank.operations import GET_REQUISITES

lambda_handler = operation_lambda(GET_REQUISITES, get_requisites)
