"""One-time signed links to the PIN / password page, wrong-attempt limits, and Telegram Web App data.

A link is ``<base_url>?t=<token>``: an HS256 JWT with the ``link`` key from SSM (see
``messenger_bank.security.keys``), five minutes long at most, naming the customer, the channel, a digest
of the chat, the purpose and, for a PIN, the card: nothing the page acts on travels beside the token
unsigned. A link issued to a Telegram chat is used only with that chat's Web App ``initData`` (the page
refuses it without), so a link copied out of the chat is not a bearer token.

The page's GET only *inspects* the token (``inspect_link``: messengers fetch links for their previews,
which must not use the link up); the POST that carries the encrypted PIN or password
*redeems* it (``redeem``), which succeeds once: the token's ``jti`` is written to the idempotency table
with a conditional put, so a replay, a double submission or a second tab is refused. Serve the page with
``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store``.

Storage (env ``SECURITY_TABLE``, the security table, not the webhooks' idempotency table: key ``id`` (S), TTL
attribute ``expiration`` (N)), items written here:

    id "link#<jti>"                       expiration = the link's expiry + 1 h; a used link
    id "attempts#<purpose>#<subject>"     failures (N), expiration = end of the window; wrong PINs
                                          (the customer), wrong cards and code sends (``chat_subject``,
                                          ``phone_subject``: keyed digests, never a phone or chat id)

Wrong attempts: ``record_failed_attempt`` counts wrong PINs / passwords per customer and purpose in a
window (``SECURITY_LOCK_MINUTES``, default 60) and locks after ``SECURITY_MAX_ATTEMPTS`` (default 3)
until the window ends; ``ensure_not_locked`` refuses before the bank is even asked; ``reset_attempts``
after a success. A counter whose subject changed (the unkeyed digests before issue 16) names its
``previous_subject``: its live window is read too and carried over, so nobody gains attempts from the
change. Lambdas need ``dynamodb:PutItem``, ``UpdateItem``, ``GetItem``, ``DeleteItem`` on the
table.

``verify_init_data`` checks a Telegram Web App's ``initData`` as Telegram documents it: secret =
HMAC-SHA256(key "WebAppData", bot token); ``hash`` = hex HMAC-SHA256(secret, the "key=value" lines of
every other field, sorted, joined by "\\n"); ``auth_date`` fresh. The newer ``signature`` field (an
Ed25519 signature for third parties) *stays* in the data-check string: only ``hash`` is left out.
Checked against a published example (the init-data-golang README's initData, which carries a
``signature``): its hash verifies with ``signature`` kept, and fails with it removed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Final, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from messenger_bank.security import _hs256, digests
from messenger_bank.security.errors import (
    InitDataInvalid,
    LinkAlreadyUsed,
    LinkExpired,
    LinkInvalid,
    TooManyAttempts,
)
from messenger_bank.security.keys import check_key, signing_key
from messenger_bank.types import CustomerId

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

AUDIENCE: Final = "messenger-bank/link"
# Long enough to open the page and type a PIN; short enough that a link seen over a shoulder or in a
# forwarded screenshot is dead soon after (issue 16). No setting makes it longer.
LINK_TTL: Final = timedelta(minutes=5)
DEFAULT_LINK_TTL: Final = LINK_TTL
MAX_LINK_TTL: Final = LINK_TTL
USED_LINK_RETENTION: Final = timedelta(hours=1)
DEFAULT_MAX_ATTEMPTS: Final = 3
DEFAULT_LOCK_MINUTES: Final = 60
INIT_DATA_MAX_CHARS: Final = 4096
INIT_DATA_FUTURE_SKEW_S: Final = 60

# ``sign_in``: an unbound chat proves a card; its subject (``sub``) is the sign-in attempt, not a customer
# (nobody is known until the card is proven). ``confirm_card``: a bound customer proves the card again.
# ``show_card_details``: the card's full number, expiry and CVV shown once to its owner.
LinkPurpose = Literal[
    "change_pin", "change_password", "confirm_password", "sign_in", "confirm_card", "show_card_details"
]
# The links that name their card (signed into the token: the page acts on no other card), and only they do.
CARD_LINKS: Final[frozenset[LinkPurpose]] = frozenset({"change_pin", "show_card_details"})


class LinkClaims(BaseModel):
    """A verified link: who it is for, from which chat, for what."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    purpose: LinkPurpose
    jti: str
    expires_at: datetime
    chat_binding: str
    channel: str = Field(min_length=1, max_length=16)
    card_id: str | None = Field(default=None, min_length=1, max_length=64)

    @property
    def needs_init_data(self) -> bool:
        """A Telegram link is opened as the chat's Web App: its signed ``initData`` must come with the form."""
        return self.channel == "telegram"

    def for_chat(self, chat_key: str) -> bool:
        """True when the link was made for `chat_key` (e.g. ``telegram:<Web App user id>``)."""
        return _hs256.same_chat(self.chat_binding, chat_key)


class AttemptsStatus(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    failures: int = Field(ge=0)
    limit: int = Field(ge=1)
    locked_until: datetime | None = None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.failures)


class SecuritySettings(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    table_name: str
    max_attempts: int = Field(default=DEFAULT_MAX_ATTEMPTS, ge=1, le=20)
    lock_minutes: int = Field(default=DEFAULT_LOCK_MINUTES, ge=1, le=7 * 24 * 60)

    @classmethod
    def from_env(cls) -> SecuritySettings:
        from messenger_bank.security.settings import security_environment

        env = security_environment()
        return cls(
            table_name=env.required("security_table"),
            max_attempts=env.security_max_attempts or DEFAULT_MAX_ATTEMPTS,
            lock_minutes=env.security_lock_minutes or DEFAULT_LOCK_MINUTES,
        )


@lru_cache(maxsize=1)
def settings() -> SecuritySettings:
    return SecuritySettings.from_env()


@lru_cache(maxsize=1)
def dynamodb_client() -> DynamoDBClient:
    import boto3

    return boto3.client("dynamodb")


def _key(key: bytes | None) -> bytes:
    return check_key(key) if key is not None else signing_key("link")


# --- links -----------------------------------------------------------------------------------------
def make_link(
    base_url: str,
    customer_id: str,
    chat_key: str,
    purpose: LinkPurpose,
    ttl: timedelta = DEFAULT_LINK_TTL,
    *,
    card_id: str | None = None,
    key: bytes | None = None,
    now: datetime | None = None,
) -> str:
    """``<base_url>?t=<signed token>``, usable once within `ttl` (at most 5 minutes), from the chat
    `chat_key` (``<channel>:<chat id>``) only; a PIN link names its card."""
    scheme = urlsplit(base_url).scheme
    if scheme != "https" and not base_url.startswith(("http://127.0.0.1", "http://localhost")):
        raise ValueError("links are https (plain http only to the local cloud)")
    if not timedelta(0) < ttl <= MAX_LINK_TTL:
        raise ValueError("a link lasts between 0 and 5 minutes")
    channel, _, chat_id = chat_key.partition(":")
    if not customer_id or not channel or not chat_id:
        raise ValueError("a link needs a customer and a chat (<channel>:<chat id>)")
    if (purpose in CARD_LINKS) != bool(card_id):
        raise ValueError("a PIN or card details link names its card, and only those do")
    issued = int((now or datetime.now(UTC)).timestamp())
    claims = {
        "iss": _hs256.ISSUER,
        "aud": AUDIENCE,
        "sub": customer_id,
        "chn": channel,
        "chat": _hs256.chat_binding(chat_key),
        "purpose": purpose,
        "iat": issued,
        "nbf": issued,
        "exp": issued + int(ttl.total_seconds()),
        "jti": _hs256.new_jti(),
    }
    if card_id:
        claims["card"] = card_id
    token = _hs256.encode(claims, _key(key))
    separator = "&" if urlsplit(base_url).query else "?"
    return f"{base_url}{separator}{urlencode({'t': token})}"


def token_of(link: str) -> str:
    """The token of a link made by ``make_link`` (what the page reads from its ``t`` parameter)."""
    values = [v for k, v in parse_qsl(urlsplit(link).query) if k == "t"]
    if len(values) != 1:
        raise LinkInvalid("no link token")
    return values[0]


def inspect_link(token: str, *, key: bytes | None = None, chat_key: str | None = None) -> LinkClaims:
    """Verify a link token without using it up (for the page's GET). Raises ``LinkInvalid`` / ``LinkExpired``."""
    try:
        claims = _hs256.decode(token, _key(key), audience=AUDIENCE)
    except _hs256.Expired:
        raise LinkExpired("the link has expired") from None
    except _hs256.Refused as refused:
        raise LinkInvalid(f"link token refused: {refused}") from None
    try:
        link = LinkClaims(
            customer_id=claims["sub"],
            purpose=claims.get("purpose"),
            jti=claims["jti"],
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            chat_binding=claims.get("chat"),
            channel=claims.get("chn"),
            card_id=claims.get("card"),
        )
    except (ValidationError, TypeError, ValueError, OverflowError):
        raise LinkInvalid("link token refused: malformed claims") from None
    if chat_key is not None and not link.for_chat(chat_key):
        raise LinkInvalid("the link belongs to another chat")
    return link


def redeem(
    token: str,
    *,
    key: bytes | None = None,
    chat_key: str | None = None,
    table_name: str | None = None,
    dynamodb: DynamoDBClient | None = None,
) -> LinkClaims:
    """Verify a link token and use it up; a second call with the same token raises ``LinkAlreadyUsed``.

    With `chat_key` (from the verified Web App ``initData``), a link opened from another chat is
    refused before it is used up.
    """
    from botocore.exceptions import ClientError

    link = inspect_link(token, key=key, chat_key=chat_key)
    client = dynamodb or dynamodb_client()
    try:
        client.put_item(
            TableName=table_name or settings().table_name,
            Item={
                "id": {"S": f"link#{link.jti}"},
                "expiration": {"N": str(int((link.expires_at + USED_LINK_RETENTION).timestamp()))},
            },
            ConditionExpression="attribute_not_exists(id)",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise LinkAlreadyUsed("the link was used before") from None
        raise
    return link


# --- wrong attempts --------------------------------------------------------------------------------
def chat_subject(chat_binding: str) -> str:
    """The counters of a chat (the guesser, the sender), named by its binding (``_hs256.chat_binding``)."""
    return "chat-" + chat_binding


def phone_subject(phone: str) -> str:
    """The counters of a phone (the target of guesses and of code floods), by its keyed digest."""
    return "phone-" + digests.phone_digest(phone)


def previous_chat_subject(chat_key: str) -> str | None:
    """The chat's subject before keyed digests, while its counters may be live (``digests.READ_UNKEYED_COUNTERS``)."""
    return "chat-" + digests.unkeyed_chat_digest(chat_key) if digests.READ_UNKEYED_COUNTERS else None


def previous_phone_subject(phone: str) -> str | None:
    """The phone's subject before keyed digests, while its counters may be live."""
    return "phone-" + digests.unkeyed_phone_digest(phone) if digests.READ_UNKEYED_COUNTERS else None


def _attempts_id(customer_id: str, purpose: str) -> str:
    return f"attempts#{purpose}#{customer_id}"


def _live_window(
    client: DynamoDBClient, config: SecuritySettings, item_id: str, current: float
) -> tuple[int, int] | None:
    """(failures, expiration) of the counter `item_id` while its window lasts (TTL deletion is lazy)."""
    item = client.get_item(TableName=config.table_name, Key={"id": {"S": item_id}}, ConsistentRead=True).get("Item")
    if not item or int(item["expiration"]["N"]) <= current:
        return None
    return int(item["failures"]["N"]), int(item["expiration"]["N"])


def attempts_status(
    customer_id: str,
    purpose: str,
    *,
    config: SecuritySettings | None = None,
    dynamodb: DynamoDBClient | None = None,
    now: float | None = None,
    previous_subject: str | None = None,
) -> AttemptsStatus:
    """How many wrong attempts `customer_id` has made for `purpose` in the current window; with a
    `previous_subject`, the larger of the two counts (the old one may still be live)."""
    config = config or settings()
    client = dynamodb or dynamodb_client()
    current = time.time() if now is None else now
    windows = [
        window
        for subject in (customer_id, previous_subject)
        if subject is not None and (window := _live_window(client, config, _attempts_id(subject, purpose), current))
    ]
    if not windows:
        return AttemptsStatus(failures=0, limit=config.max_attempts)
    return _status(*max(windows), config)


def _status(failures: int, expiration: int, config: SecuritySettings) -> AttemptsStatus:
    locked = failures >= config.max_attempts
    return AttemptsStatus(
        failures=failures,
        limit=config.max_attempts,
        locked_until=datetime.fromtimestamp(expiration, UTC) if locked else None,
    )


def ensure_not_locked(
    customer_id: str,
    purpose: str,
    *,
    config: SecuritySettings | None = None,
    dynamodb: DynamoDBClient | None = None,
    now: float | None = None,
    previous_subject: str | None = None,
) -> AttemptsStatus:
    """Raise ``TooManyAttempts`` while `customer_id` is locked out of `purpose`; else the status."""
    status = attempts_status(
        customer_id, purpose, config=config, dynamodb=dynamodb, now=now, previous_subject=previous_subject
    )
    if status.locked:
        raise TooManyAttempts("too many wrong attempts", locked_until=status.locked_until)
    return status


def record_failed_attempt(
    customer_id: str,
    purpose: str,
    *,
    config: SecuritySettings | None = None,
    dynamodb: DynamoDBClient | None = None,
    now: float | None = None,
    previous_subject: str | None = None,
) -> AttemptsStatus:
    """Count one wrong PIN or password; the window starts at the first failure.

    Returns the status after counting (``locked`` once the limit is reached). Atomic: concurrent
    failures are all counted. A new window under `customer_id` carries over a live window of
    `previous_subject` (its count and its end), as if the subject had never changed.
    """
    from botocore.exceptions import ClientError

    config = config or settings()
    client = dynamodb or dynamodb_client()
    current = int(time.time() if now is None else now)
    window_end = current + config.lock_minutes * 60
    key = {"id": {"S": _attempts_id(customer_id, purpose)}}
    try:
        # Count within a live window (TTL deletion is lazy: an item past its expiration is stale).
        response = client.update_item(
            TableName=config.table_name,
            Key=key,
            UpdateExpression="ADD failures :one",
            ConditionExpression="attribute_exists(id) AND expiration > :now",
            ExpressionAttributeValues={":one": {"N": "1"}, ":now": {"N": str(current)}},
            ReturnValues="ALL_NEW",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        # No window, or a stale one: start a new window with this failure (or carry the old subject's on).
        carried = (
            _live_window(client, config, _attempts_id(previous_subject, purpose), current)
            if previous_subject is not None
            else None
        )
        failures, end = (carried[0] + 1, carried[1]) if carried else (1, window_end)
        response = client.update_item(
            TableName=config.table_name,
            Key=key,
            UpdateExpression="SET failures = :failures, expiration = :end",
            ExpressionAttributeValues={":failures": {"N": str(failures)}, ":end": {"N": str(end)}},
            ReturnValues="ALL_NEW",
        )
    attributes = response["Attributes"]
    return _status(int(attributes["failures"]["N"]), int(attributes["expiration"]["N"]), config)


def reset_attempts(
    customer_id: str,
    purpose: str,
    *,
    config: SecuritySettings | None = None,
    dynamodb: DynamoDBClient | None = None,
    previous_subject: str | None = None,
) -> None:
    """Forget the wrong attempts after a success (under the previous subject too)."""
    config = config or settings()
    client = dynamodb or dynamodb_client()
    for subject in (customer_id, previous_subject):
        if subject is not None:
            client.delete_item(TableName=config.table_name, Key={"id": {"S": _attempts_id(subject, purpose)}})


# --- Telegram Web App initData -----------------------------------------------------------------------
class WebAppUser(BaseModel):
    """The Telegram user who opened the Web App, from verified ``initData`` (fields Telegram may add are ignored)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool | None = None
    allows_write_to_pm: bool | None = None
    auth_date: datetime
    query_id: str | None = None

    @property
    def chat_key(self) -> str:
        """The private chat with the bot: in Telegram its id is the user's id."""
        return f"telegram:{self.id}"


def data_check_string(pairs: list[tuple[str, str]]) -> str:
    """Telegram's data-check string: every field but ``hash`` (``signature`` included), sorted, one per line."""
    return "\n".join(sorted(f"{k}={v}" for k, v in pairs if k != "hash"))


def init_data_hash(pairs: list[tuple[str, str]], bot_token: str) -> str:
    secret = hmac.new(b"WebAppData", bot_token.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(secret, data_check_string(pairs).encode("utf-8"), hashlib.sha256).hexdigest()


def verify_init_data(init_data: str, bot_token: str, max_age_s: int = 600, *, now: float | None = None) -> WebAppUser:
    """The user of a Web App whose ``initData`` verifies with `bot_token` and is at most `max_age_s` old.

    Raises ``InitDataInvalid`` for a malformed string, a repeated field, a wrong or missing hash, a
    missing, stale or future ``auth_date``, or a missing user.
    """
    if not init_data or len(init_data) > INIT_DATA_MAX_CHARS:
        raise InitDataInvalid("initData is empty or too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataInvalid("initData is not a query string") from None
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise InitDataInvalid("initData repeats a field")
    fields = dict(pairs)
    received = fields.get("hash", "")
    if len(received) != 64 or not hmac.compare_digest(received.lower(), init_data_hash(pairs, bot_token)):
        raise InitDataInvalid("initData hash does not verify")
    try:
        auth_date = int(fields["auth_date"])
    except (KeyError, ValueError):
        raise InitDataInvalid("initData has no auth_date") from None
    current = time.time() if now is None else now
    if current - auth_date > max_age_s or auth_date - current > INIT_DATA_FUTURE_SKEW_S:
        raise InitDataInvalid("initData is stale")
    try:
        user = json.loads(fields["user"])
        if not isinstance(user, dict):
            raise TypeError("user is not an object")
        return WebAppUser.model_validate(
            {
                **user,
                "auth_date": datetime.fromtimestamp(auth_date, UTC),
                "query_id": fields.get("query_id"),
            }
        )
    except (KeyError, ValueError, TypeError, ValidationError):
        raise InitDataInvalid("initData has no valid user") from None
