"""The card events' own refusals."""

from __future__ import annotations

from messenger_bank.errors import DomainError


class CardEventConflict(DomainError):
    """An event id the bank sent before with other facts (another card, kind or amount): nothing is done."""


class CustomerNotReached(DomainError):
    """Every chat of the customer failed on the notice; the accrual stands and the next delivery tells."""

    transient = True
