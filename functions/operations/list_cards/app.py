"""Operation list_cards: the customer's cards (ours and the bank's agreeing)."""

from messenger_bank.cards.models import ListCardsRequest
from messenger_bank.cards.service import list_cards
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(ListCardsRequest, list_cards, session="customer")
