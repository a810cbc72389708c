"""Operation list_cards: the customer's cards (ours and the bank's agreeing)."""

from messenger_bank.cards.operations import LIST_CARDS
from messenger_bank.cards.service import list_cards
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(LIST_CARDS, list_cards)
