"""Programs: the operations of this context that the conversation calls.

Each programme declares its own beside its models (programs/<programme>_operations.py), so that an operation's function
loads its programme's models and no other's (issue 20); this module names them all for OPERATIONS
(messenger_bank/operations.py), which the conversation and the flow linter read."""

from __future__ import annotations

from messenger_bank.programs.cashback_operations import (
    CHOOSE_CASHBACK_CATEGORY,
    GET_CASHBACK,
    LIST_CASHBACK_CATEGORIES,
)
from messenger_bank.programs.offer_operations import ACTIVATE_OFFER, LIST_OFFERS
from messenger_bank.programs.recommend_operations import GET_RECOMMENDATIONS, RECOMMEND
from messenger_bank.programs.referral_operations import GET_REFERRAL

__all__ = [
    "ACTIVATE_OFFER",
    "CHOOSE_CASHBACK_CATEGORY",
    "GET_CASHBACK",
    "GET_RECOMMENDATIONS",
    "GET_REFERRAL",
    "LIST_CASHBACK_CATEGORIES",
    "LIST_OFFERS",
    "RECOMMEND",
]
