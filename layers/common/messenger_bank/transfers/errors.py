"""The transfer journey's own refusals; their class names are the error names the state machine catches."""

from __future__ import annotations

from messenger_bank.errors import DomainError


class QuoteNotFound(DomainError):
    """No such quote for this customer: it expired (TTL) or belongs to someone else."""


class QuoteAlreadyUsed(DomainError):
    """The quote already backs another transfer: one quote moves money at most once."""


class TransferCancelled(DomainError):
    """The customer left the wait for the code (another menu, another flow): nothing moves."""


class RecipientNotReached(DomainError):
    """None of the recipient's chats took the notice; the transfer itself stands (the journey goes on)."""
