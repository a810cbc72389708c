"""The sign-in zone's session: a short-lived JWT that binds a chat to a bank customer.

Issued once the phone is proven and the customer has proven a card (Cerberus), kept in the
conversation session, and checked on every operation with ``verify_session``. HS256 with the
``session`` key from SSM (see ``messenger_bank.security.keys``); claims:

    iss "messenger-bank"   aud "messenger-bank/session"   sub <customer id>   chat <digest of chat key>
    iat / nbf / exp        jti <random>                   auth_time <when the bank password was last given>

``verify_session`` checks the signature, the algorithm, the issuer, the audience, exp / nbf / iat (5 s
leeway), that every claim is present, and that the token belongs to the chat it arrives from: a token
copied to another chat is refused. ``require_recent_auth`` lets a sensitive operation ask for the bank
password again; ``owns`` refuses another customer's card or account id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from messenger_bank.security import _hs256
from messenger_bank.security.errors import (
    NotYourCard,
    ReauthenticationRequired,
    SessionExpired,
    SessionInvalid,
)
from messenger_bank.security.keys import check_key, signing_key
from messenger_bank.security.settings import security_environment
from messenger_bank.types import CustomerId

AUDIENCE: Final = "messenger-bank/session"
DEFAULT_TTL: Final = timedelta(minutes=security_environment().session_minutes)
MAX_TTL: Final = timedelta(hours=1)


class SessionClaims(BaseModel):
    """A verified session: who, in which chat, since when."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    chat_key: str = Field(min_length=3, max_length=160)
    jti: str
    issued_at: datetime
    expires_at: datetime
    auth_time: datetime


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def issue_session(
    customer_id: str,
    chat_key: str,
    *,
    ttl: timedelta = DEFAULT_TTL,
    key: bytes | None = None,
    auth_time: datetime | None = None,
    now: datetime | None = None,
) -> str:
    """A session token for `customer_id` in `chat_key`, valid for `ttl` (at most an hour).

    `auth_time` is when the customer last proved the bank password or card (default: now).
    """
    if not timedelta(0) < ttl <= MAX_TTL:
        raise ValueError("a session lasts between 0 and 1 hour")
    if not customer_id or not chat_key:
        raise ValueError("a session needs a customer and a chat")
    issued = _now(now)
    claims = {
        "iss": _hs256.ISSUER,
        "aud": AUDIENCE,
        "sub": customer_id,
        "chat": _hs256.chat_binding(chat_key),
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
        "jti": _hs256.new_jti(),
        "auth_time": int((auth_time or issued).timestamp()),
    }
    return _hs256.encode(claims, check_key(key) if key is not None else signing_key("session"))


def verify_session(token: str, *, chat_key: str, key: bytes | None = None) -> SessionClaims:
    """The claims of a valid session token used from `chat_key`.

    Raises ``SessionExpired`` when it has expired, ``SessionInvalid`` for anything else (tampered,
    another algorithm or issuer or audience, a missing claim, another chat).
    """
    try:
        claims = _hs256.decode(token, check_key(key) if key is not None else signing_key("session"), audience=AUDIENCE)
    except _hs256.Expired:
        raise SessionExpired("the session has expired") from None
    except _hs256.Refused as refused:
        raise SessionInvalid(f"session token refused: {refused}") from None
    if not _hs256.same_chat(claims.get("chat"), chat_key):
        raise SessionInvalid("the session belongs to another chat")
    try:
        return SessionClaims(
            customer_id=claims["sub"],
            chat_key=chat_key,
            jti=claims["jti"],
            issued_at=datetime.fromtimestamp(claims["iat"], UTC),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            auth_time=datetime.fromtimestamp(claims.get("auth_time", claims["iat"]), UTC),
        )
    except (TypeError, ValueError, OverflowError):
        raise SessionInvalid("session token refused: malformed claims") from None


def require_recent_auth(claims: SessionClaims, *, max_age: timedelta, now: datetime | None = None) -> None:
    """Raise ``ReauthenticationRequired`` when the bank password was given longer than `max_age` ago."""
    if _now(now) - claims.auth_time > max_age:
        raise ReauthenticationRequired("this operation needs the bank password again")


class SessionEnvelope(BaseModel):
    """How a session travels beside an operation's request: the token and the chat it was used from."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid", hide_input_in_errors=True)

    token: str = Field(min_length=1, max_length=4096, repr=False)
    chat_key: str = Field(min_length=3, max_length=160)


def sensitive_max_age() -> timedelta:
    """How long a proof of the card or the bank password lasts for sensitive operations."""
    return timedelta(minutes=security_environment().sensitive_auth_minutes)


def check_session(
    envelope: object,
    customer_id: str,
    *,
    chat_key: str | None = None,
    sensitive: bool = False,
    key: bytes | None = None,
    now: datetime | None = None,
) -> SessionClaims:
    """The session an operation for `customer_id` arrived with, verified; raises otherwise.

    ``SessionInvalid`` when there is none, it is refused, it is another customer's or (when the request
    names its chat) another chat's; ``SessionExpired``; ``ReauthenticationRequired`` for a `sensitive`
    operation when the card or the bank password was proven longer ago than ``sensitive_max_age``.
    """
    try:
        session = SessionEnvelope.model_validate(envelope)
    except ValidationError:
        raise SessionInvalid("the operation came without a session") from None
    if chat_key is not None and chat_key != session.chat_key:
        raise SessionInvalid("the session is another chat's")
    claims = verify_session(session.token, chat_key=session.chat_key, key=key)
    if claims.customer_id != customer_id:
        raise SessionInvalid("the session is another customer's")
    if sensitive:
        require_recent_auth(claims, max_age=sensitive_max_age(), now=now)
    return claims


def owns(customer_id: str, card_id: str, cards_of: Callable[[str], Iterable[str]]) -> None:
    """Refuse (``NotYourCard``) a card or account id that `cards_of(customer_id)` does not list.

    `cards_of` is the customer's cards (or accounts) from our store or the bank; the id typically
    comes from a button payload, so it is untrusted: compare, never look it up on its own.
    """
    if not customer_id or not card_id or card_id not in set(cards_of(customer_id)):
        raise NotYourCard("the card does not belong to this customer")
