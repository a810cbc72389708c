"""Operation create_secure_link: a one-time signed link to the PIN or bank-password page."""

from messenger_bank.cards.operations import CREATE_SECURE_LINK
from messenger_bank.cards.secure_links import create_secure_link
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(CREATE_SECURE_LINK, create_secure_link)
