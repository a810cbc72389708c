"""What an operator's action on a hand-off is refused with (each the inbox's HTTP status)."""

from __future__ import annotations

from messenger_bank.errors import DomainError


class HandoffNotFound(DomainError):
    """No chat was ever handed over under this id (404)."""


class HandoffNotOpen(DomainError):
    """The chat is back with the bot, or taken by another operator: nothing to answer or take (409)."""


class WindowClosed(DomainError):
    """The messenger takes no free message to this chat now (WhatsApp's or Messenger's 24 h window closed,
    Viber's cap reached): the customer must write first (409)."""
