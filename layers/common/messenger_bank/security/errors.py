"""Security errors. Class names are the names a state machine's Retry / Catch match on.

Every refusal of a credential is an ``AccessDenied``; the subclasses say why, for the conversation to
explain (an expired session asks to sign in again, a used link offers a new one). Messages never carry
the credential, a card number, a PIN or a password.
"""

from __future__ import annotations

from messenger_bank.errors import CardNotFound, DomainError


# --- card data -------------------------------------------------------------------------------------
class InvalidCardNumber(DomainError):
    """Not a card number: wrong length, not digits, or the Luhn check fails."""


class CardTokenNotFound(CardNotFound):
    """No such card token, or it has expired: ask the customer for the card number again."""


class TokenisationFailed(DomainError):
    """KMS or the token table did not answer or refused: trying again may succeed."""

    transient = True


class SigningKeyUnavailable(DomainError):
    """A signing key could not be read (SSM failed or the value is too short to be safe)."""

    transient = True


# --- access ----------------------------------------------------------------------------------------
class AccessDenied(DomainError):
    """A credential or an ownership check failed. Subclasses say which one."""


class NotYourCard(AccessDenied):
    """The card or account id (e.g. from a button payload) belongs to another customer, or to nobody."""


class SessionInvalid(AccessDenied):
    """The session token is malformed, tampered with, for another chat, or otherwise refused."""


class SessionExpired(SessionInvalid):
    """The session token has expired: the customer signs in again."""


class ReauthenticationRequired(AccessDenied):
    """A sensitive operation needs the bank password again: the session is older than allowed."""


class CardNotProven(AccessDenied):
    """The card number and expiry do not match a card of the customer (``details["attempts_left"]``)."""


class PhoneNotProven(AccessDenied):
    """Sign-in asked for a phone that this chat has not proven (a messenger contact or a one-time code)."""


class PasswordNotSet(AccessDenied):
    """The customer has no bank password yet: it cannot be asked for again."""


class WrongPassword(AccessDenied):
    """The bank password given to confirm a sensitive operation is wrong."""


class LinkInvalid(AccessDenied):
    """The one-time link's token is malformed, tampered with, or bound to another chat."""


class LinkExpired(LinkInvalid):
    """The one-time link is past its lifetime: the bot sends a new one."""


class LinkAlreadyUsed(LinkInvalid):
    """The one-time link was redeemed before (a replay, or a second submission)."""


class TooManyAttempts(AccessDenied):
    """Too many wrong PINs or passwords in the window: locked until ``details["locked_until"]``."""


class InitDataInvalid(AccessDenied):
    """Telegram Web App ``initData`` is malformed, its hash does not verify, or it is stale."""


class TokenRejected(AccessDenied):
    """A bearer JWT (Keycloak) was refused; ``details["reason"]`` says why, never the token itself."""


# --- encryption for the bank ---------------------------------------------------------------------
class EncryptionFailed(DomainError):
    """The bank's public key is unusable (wrong type, too short, not for encryption) or encryption failed."""
