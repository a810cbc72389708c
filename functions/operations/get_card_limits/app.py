"""Operation get_card_limits: the card's spending limits per day."""

from messenger_bank.cards.operations import GET_CARD_LIMITS
from messenger_bank.cards.service import get_card_limits
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(GET_CARD_LIMITS, get_card_limits)
