"""Money-request refusals the conversation explains (class names are the codes flows map)."""

from __future__ import annotations

from messenger_bank.errors import DomainError


class MoneyRequestNotFound(DomainError):
    """No such request for this customer: expired (TTL), or addressed to someone else."""


class MoneyRequestClosed(DomainError):
    """The request was already paid or declined."""


class OwnPhone(DomainError):
    """The customer asked themselves for money."""
