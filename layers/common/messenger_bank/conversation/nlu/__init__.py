"""Embedded NLU: intents and entities in Russian, Belarusian and English, no network call.

understanding = understand("pereved 50 rublei na 4111 1111 1111 1111")
understanding.intent      # "transfer" (None below CONFIDENCE_THRESHOLD)
understanding.entities    # amount "50.00 BYN", card_number "4111111111111111"
"""

from messenger_bank.conversation.nlu.models import (
    INTENTS,
    MONEY_MOVING_INTENTS,
    Entity,
    EntityType,
    Service,
    Understanding,
)
from messenger_bank.conversation.nlu.service import CONFIDENCE_THRESHOLD, understand, warm_up

__all__ = [
    "CONFIDENCE_THRESHOLD",
    "INTENTS",
    "MONEY_MOVING_INTENTS",
    "Entity",
    "EntityType",
    "Service",
    "Understanding",
    "understand",
    "warm_up",
]
