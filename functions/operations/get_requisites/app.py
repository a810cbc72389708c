"""Operation get_requisites: the card account's requisites (IBAN) as a PDF link."""

# Every invocation draws the PDF: its request model loads at init (cards.service imports it where it draws, so
# that the other card functions do not load it, issue 20); the renderer (Pillow) still loads where it draws.
import messenger_bank.images.models  # noqa: F401
from messenger_bank.cards.operations import GET_REQUISITES
from messenger_bank.cards.service import get_requisites
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(GET_REQUISITES, get_requisites)
