"""What the sign-in zone's operations take and answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.types import Channel, CustomerId, Language

_PHONE = r"^\+[1-9]\d{7,14}$"
_LAST_FOUR = r"^\d{4}$"
_EXPIRY = r"^(0[1-9]|1[0-2])/\d{2}$"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


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
    one-time code checked by ``verify_otp`` from this chat), then a card: last four digits and expiry."""

    channel: Channel
    user_id: str = Field(min_length=1, max_length=128)
    chat_key: str = Field(min_length=3, max_length=160)
    phone: str = Field(pattern=_PHONE)
    phone_proof: Literal["contact", "code"]
    last_four: str = Field(pattern=_LAST_FOUR, repr=False)
    expiry: str = Field(pattern=_EXPIRY, repr=False)
    language: Language = "ru"


class SignedIn(_Model):
    customer_id: CustomerId
    session: str = Field(repr=False)


class StartReauthenticationRequest(_Model):
    customer_id: CustomerId
    channel: Channel
    chat_key: str = Field(min_length=3, max_length=160)


class ReauthenticationMethod(_Model):
    """``password``: the bank password on the secure page behind `url`; ``card``: the card again, here."""

    method: Literal["password", "card"]
    url: str | None = Field(default=None, repr=False)


class ConfirmCardRequest(_Model):
    customer_id: CustomerId
    chat_key: str = Field(min_length=3, max_length=160)
    last_four: str = Field(pattern=_LAST_FOUR, repr=False)
    expiry: str = Field(pattern=_EXPIRY, repr=False)


class Confirmed(_Model):
    confirmed: bool
