"""The top-up journey's own outcomes; their class names are the error names the state machine catches."""

from __future__ import annotations

from messenger_bank.errors import DomainError


class TopUpNotPaid(DomainError):
    """The acquirer says the payment failed, was abandoned (expired) or never finished: nothing to credit."""


class TopUpMismatch(DomainError):
    """The acquirer's payment is not the one this journey created (payment, order, amount or currency
    differ): never credited."""
