"""The plastic card journey's own refusals; their class names are the error names the state machine catches."""

from __future__ import annotations

from messenger_bank.errors import DomainError


class AddressNotUnderstood(DomainError):
    """The typed address does not split into a city and a street (the conversation asks again)."""


class AddressNotFound(DomainError):
    """No such delivery address for this customer."""


class PlasticOrderOverdue(DomainError):
    """The card was not delivered within the tracking budget: the customer is told, operations look."""
