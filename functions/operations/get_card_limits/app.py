"""Operation get_card_limits: the card's spending limits per day."""

from messenger_bank.cards.models import GetCardLimitsRequest
from messenger_bank.cards.service import get_card_limits
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(GetCardLimitsRequest, get_card_limits, session="customer")
