"""Bound-chat refusals the conversation explains (class names are the codes flows map)."""

from __future__ import annotations

from messenger_bank.errors import DomainError


class ChatNotFound(DomainError):
    """No such chat among the customer's: another customer's, removed already, or not one this chat may name."""


class ChatTooNew(DomainError):
    """A chat bound less than a day ago may not remove one bound before it (customers/bindings.py NEW_CHAT_HOLD)."""
