"""Plastic card step - orders the card at core banking (key from the execution) and follows the order."""

from messenger_bank.handlers import step_lambda
from messenger_bank.plastic.models import PlasticState
from messenger_bank.plastic.service import order_plastic

lambda_handler = step_lambda(PlasticState, order_plastic)
