"""Operation unblock_card: unblock one of the customer's cards."""

from messenger_bank.cards.service import unblock_card
from messenger_bank.handlers import operation_lambda
from messenger_bank.operations import UNBLOCK_CARD

lambda_handler = operation_lambda(UNBLOCK_CARD, unblock_card)
