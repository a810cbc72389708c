"""Operation confirm_card: the customer proves their card again before a sensitive operation."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.operations import CONFIRM_CARD
from messenger_bank.signin.service import confirm_card

lambda_handler = operation_lambda(CONFIRM_CARD, confirm_card)
