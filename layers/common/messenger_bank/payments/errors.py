"""The bill-payment journey's own refusals; their class names are the error names the state machine catches."""

from __future__ import annotations

from messenger_bank.errors import DomainError


class PaymentQuoteNotFound(DomainError):
    """No such payment quote for this customer: it expired (TTL) or belongs to someone else."""


class PaymentQuoteAlreadyUsed(DomainError):
    """The quote already backs another payment: one quote pays at most once."""


class NoPaymentYet(DomainError):
    """ "Repeat last payment" with nothing to repeat: the customer has not paid a payee here yet."""
