"""Operation block_card: block one of the customer's cards at once, with a reason."""

from messenger_bank.cards.models import BlockCardRequest
from messenger_bank.cards.service import block_card
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(BlockCardRequest, block_card, session="customer")
