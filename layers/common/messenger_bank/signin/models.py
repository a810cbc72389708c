"""What the sign-in zone's operations take and answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from messenger_bank.cardnumbers import is_card_number
from messenger_bank.types import Channel, CustomerId, Language

_PHONE = r"^\+[1-9]\d{7,14}$"
_EXPIRY = r"^(0[1-9]|1[0-2])/\d{2}$"


class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid", hide_input_in_errors=True)


class OpenSessionRequest(_Model):
    """The chat asking for a session: a bound one gets it, any other gets nobody."""

    channel: Channel
    user_id: str = Field(min_length=1, max_length=128)
    chat_key: str = Field(min_length=3, max_length=160)


class OpenedSession(_Model):
    customer_id: CustomerId | None
    session: str | None = Field(default=None, repr=False)


class SignInRequest(_Model):
    """Phone proven in this chat (``contact``: the messenger's own contact of the sender; ``code``: a
    one-time code checked by ``verify_otp`` from this chat). The card is proven on the secure page."""

    channel: Channel
    user_id: str = Field(min_length=1, max_length=128)
    chat_key: str = Field(min_length=3, max_length=160)
    phone: str = Field(pattern=_PHONE)
    phone_proof: Literal["contact", "code"]
    language: Language = "ru"


class SignInLink(_Model):
    """The secure page where this chat proves a card (one use, `expires_in` seconds, this chat only)."""

    url: str = Field(repr=False)
    expires_in: int = Field(gt=0)


class PendingSignIn(_Model):
    """A sign-in between the chat (phone proven) and the secure page (card): what the page binds."""

    attempt_id: str = Field(min_length=8, max_length=64)
    channel: Channel
    user_id: str = Field(min_length=1, max_length=128)
    chat_key: str = Field(min_length=3, max_length=160)
    phone: str = Field(pattern=_PHONE)
    language: Language = "ru"


class CardEntry(_Model):
    """The card as the customer typed it on the secure page: the full number and the expiry.

    The chat only ever shows a card's mask (first six and last four at most), so neither a screenshot
    nor a receipt gives the number; it never passes through the chat, the queue or a log."""

    number: SecretStr
    expiry: str = Field(pattern=_EXPIRY)

    @field_validator("number", mode="before")
    @classmethod
    def _digits(cls, value: object) -> str:
        # Typed as printed on the plastic: groups of digits with spaces or dashes between them.
        typed = value.get_secret_value() if isinstance(value, SecretStr) else value
        digits = "".join(ch for ch in typed if ch not in " -") if isinstance(typed, str) else ""
        if not is_card_number(digits):
            raise ValueError("not a card number")
        return digits


class SignedIn(_Model):
    customer_id: CustomerId
    session: str = Field(repr=False)


class StartReauthenticationRequest(_Model):
    customer_id: CustomerId
    channel: Channel
    chat_key: str = Field(min_length=3, max_length=160)


class ReauthenticationMethod(_Model):
    """The secure page behind `url`: ``password`` asks the bank password, ``card`` (a customer without
    a password yet) the card's full number and expiry."""

    method: Literal["password", "card"]
    url: str = Field(repr=False)
