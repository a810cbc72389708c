"""Operation set_card_limit: change one of the card's limits (asks for the password again first)."""

from messenger_bank.cards.models import SetCardLimitRequest
from messenger_bank.cards.service import set_card_limit
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(SetCardLimitRequest, set_card_limit, session="sensitive")
