"""Errors of the channel adapters. They subclass ``DomainError`` so that class names stay error names.

They live here rather than in ``messenger_bank/errors.py`` to keep the channels context self-contained;
re-export them from there if a state machine ever needs to name one.
"""

from __future__ import annotations

from messenger_bank.errors import DomainError


class ChannelError(DomainError):
    """Base of everything a messenger adapter or the MessageAPI raises."""


class MalformedUpdate(ChannelError):
    """The webhook body is not JSON, or not the shape the platform sends: answer 400, never 500."""


class SignatureInvalid(ChannelError):
    """The webhook's authenticity check failed (wrong, missing or unconfigured secret): answer 401/403."""


class PlatformError(ChannelError):
    """The platform refused a request for a reason retrying will not fix (bad request, bad token)."""


class PlatformUnavailable(PlatformError):
    """The platform kept throttling or failing after the bounded retries: the turn may be retried."""

    transient = True
