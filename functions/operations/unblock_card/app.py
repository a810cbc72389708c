"""Operation unblock_card: unblock one of the customer's cards."""

from messenger_bank.cards.operations import UNBLOCK_CARD
from messenger_bank.cards.service import unblock_card
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(UNBLOCK_CARD, unblock_card)
