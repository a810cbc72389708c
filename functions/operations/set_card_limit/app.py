"""Operation set_card_limit: change one of the card's limits (asks for the password again first)."""

from messenger_bank.cards.operations import SET_CARD_LIMIT
from messenger_bank.cards.service import set_card_limit
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(SET_CARD_LIMIT, set_card_limit)
