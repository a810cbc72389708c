"""The step-up policy's own refusal; its class name is the error name the state machines catch."""

from __future__ import annotations

from messenger_bank.errors import DomainError, LimitExceeded


class CodeRequired(DomainError):
    """Today's money out with this operation passes the amount free of a code, and no code was checked
    for it: nothing moved; quoting again asks for the code."""


class DailyLimitExceeded(LimitExceeded):
    """Today's money out with this operation passes the daily limit, code or not: nothing moved. Its own
    name, so that the chat says which limit (not the one of a single transfer or payment)."""


class CodeCancelled(DomainError):
    """The customer left the wait for the code (another menu, another flow): nothing moves."""
