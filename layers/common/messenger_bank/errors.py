"""Domain errors. Their class names are the error names that state machines Retry on and Catch.

A Lambda raising one of these fails with ``errorType`` = the class name, so keep names stable and
never match on message text. Add new errors as subclasses of ``DomainError`` (or of a more specific
base below); a subclass gets its own name in Step Functions, so ``Retry`` on a base name does not
catch it: list every name a state should handle.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the conversation can explain to a customer."""

    #: True when trying again later may succeed (the state machine may Retry it).
    transient: bool = False

    def __init__(self, message: str = "", **details: Any) -> None:
        super().__init__(message or self.__class__.__name__)
        self.details: dict[str, Any] = details


# --- identity and onboarding -------------------------------------------------------------------
class IdentityNotConfirmed(DomainError):
    """The Passport registry does not confirm the person (unknown, invalid or mismatched document)."""


class ApplicantUnderAge(DomainError):
    """The applicant is younger than the age needed to open a card on their own."""


class CustomerSanctioned(DomainError):
    """The security screening refuses the person (sanctions list, fraud)."""


class AlreadyCustomer(DomainError):
    """The person is already a customer of the bank; ``details["customer_id"]`` names them."""

    def __init__(self, message: str = "", *, customer_id: str = "", **details: Any) -> None:
        super().__init__(message, customer_id=customer_id, **details)
        self.customer_id = customer_id


class CustomerNotFound(DomainError):
    """No such customer in the bank."""


# --- cards and accounts --------------------------------------------------------------------------
class CardNotFound(DomainError):
    """No such card (or account) in the bank, or it does not belong to the customer."""


class CardBlocked(DomainError):
    """The card is blocked: debits are refused until it is unblocked."""


class InsufficientFunds(DomainError):
    """The available balance does not cover the amount."""


class LimitExceeded(DomainError):
    """A per-operation or per-day limit would be exceeded."""


class CardLimitAboveMaximum(DomainError):
    """A card limit above what the bank allows; ``details["maximum"]`` is the most, in minor units."""


class OperationRejected(DomainError):
    """The bank refused the operation for a reason the customer cannot fix by retrying."""


class IdempotencyConflict(OperationRejected):
    """The idempotency key was already used with a different request: a bug, never retried."""


class InvalidOneTimeCode(DomainError):
    """The one-time code is wrong or expired."""


class TooManyCodes(DomainError):
    """Too many one-time codes asked for this phone or from this chat: none sent until
    ``details["retry_after"]`` (an ISO time)."""


# --- payments ------------------------------------------------------------------------------------
class PayeeNotFound(DomainError):
    """No such payee (service code) in the billing catalogue."""


class PayeeAccountNotFound(DomainError):
    """The payee does not know the customer's account / phone / contract number."""


class PaymentDeclined(DomainError):
    """The acquirer declined a top-up (card declined, 3-D Secure failed)."""


# --- the bank's systems ----------------------------------------------------------------------------
class BankSystemUnavailable(DomainError):
    """A bank system did not answer, timed out or failed: try again later."""

    transient = True


class BankAuthenticationFailed(BankSystemUnavailable):
    """A bank system refused our credentials (wrong login, password, API key or client secret)."""

    transient = False


class BankProtocolError(BankSystemUnavailable):
    """A bank system answered with something we cannot read (malformed or unsafe XML / JSON)."""

    transient = False


# --- the invoke boundary -----------------------------------------------------------------------------
class OperationError(DomainError):
    """An operation failed with an error its declaration does not name (a bug, a timeout, a refused
    request): ``error_type`` is the Lambda's ``errorType`` as it came, for the logs; nothing routes on it."""

    def __init__(self, message: str = "", *, error_type: str = "OperationError", **details: Any) -> None:
        super().__init__(message or error_type, error_type=error_type, **details)
        self.error_type = error_type


# --- flows published as configuration ------------------------------------------------------------------
class FlowsRefused(DomainError):
    """A flows bundle that may not be published: a lint problem or a failed conversation test (the message
    names each). AppConfig's validator raising it stops the deployment before any customer sees it."""
