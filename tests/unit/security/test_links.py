from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from messenger_bank.security.errors import LinkAlreadyUsed, LinkExpired, LinkInvalid, TooManyAttempts
from messenger_bank.security.links import (
    SecuritySettings,
    attempts_status,
    ensure_not_locked,
    inspect_link,
    make_link,
    record_failed_attempt,
    redeem,
    reset_attempts,
    token_of,
)
from tests.unit.security.conftest import IDEMPOTENCY_TABLE, LINK_KEY, SESSION_KEY, flip_a_bit

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BASE = "https://api.example.com/secure/pin"
CHAT = "telegram:123456"
CARD = "card-1"


def redeem_(token: str, dynamodb: DynamoDBClient, **kwargs: object) -> object:
    return redeem(token, key=LINK_KEY, table_name=IDEMPOTENCY_TABLE, dynamodb=dynamodb, **kwargs)  # type: ignore[arg-type]


# --- links ---------------------------------------------------------------------------------------------
def test_a_link_points_at_the_page_with_a_signed_token() -> None:
    link = make_link(BASE, "cust-1", CHAT, "change_pin", card_id=CARD, key=LINK_KEY)

    assert urlsplit(link)._replace(query="").geturl() == BASE
    claims = inspect_link(token_of(link), key=LINK_KEY, chat_key=CHAT)
    assert (claims.customer_id, claims.purpose) == ("cust-1", "change_pin")
    assert claims.expires_at - datetime.now(UTC) <= timedelta(minutes=5)


def test_a_link_is_redeemed_once(dynamodb: DynamoDBClient) -> None:
    token = token_of(make_link(BASE, "cust-1", CHAT, "change_password", key=LINK_KEY))

    assert redeem_(token, dynamodb, chat_key=CHAT)
    with pytest.raises(LinkAlreadyUsed):
        redeem_(token, dynamodb, chat_key=CHAT)


def test_inspecting_a_link_does_not_use_it_up(dynamodb: DynamoDBClient) -> None:
    token = token_of(make_link(BASE, "cust-1", CHAT, "change_pin", card_id=CARD, key=LINK_KEY))

    inspect_link(token, key=LINK_KEY)
    inspect_link(token, key=LINK_KEY)

    assert redeem_(token, dynamodb)


def test_an_expired_link_is_refused(dynamodb: DynamoDBClient) -> None:
    old = datetime.now(UTC) - timedelta(minutes=6)
    token = token_of(make_link(BASE, "cust-1", CHAT, "change_pin", card_id=CARD, key=LINK_KEY, now=old))

    with pytest.raises(LinkExpired):
        redeem_(token, dynamodb)


def test_a_tampered_link_is_refused(dynamodb: DynamoDBClient) -> None:
    token = token_of(make_link(BASE, "cust-1", CHAT, "change_pin", card_id=CARD, key=LINK_KEY))
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{flip_a_bit(signature)}"

    with pytest.raises(LinkInvalid):
        redeem_(tampered, dynamodb)


def test_a_link_opened_from_another_chat_is_refused_and_not_used_up(dynamodb: DynamoDBClient) -> None:
    token = token_of(make_link(BASE, "cust-1", CHAT, "change_pin", card_id=CARD, key=LINK_KEY))

    with pytest.raises(LinkInvalid):
        redeem_(token, dynamodb, chat_key="telegram:999")
    assert redeem_(token, dynamodb, chat_key=CHAT)


def test_a_session_token_is_not_a_link(dynamodb: DynamoDBClient) -> None:
    from messenger_bank.security.session_tokens import issue_session

    with pytest.raises(LinkInvalid):
        redeem_(issue_session("cust-1", CHAT, key=LINK_KEY), dynamodb)
    link = make_link(BASE, "cust-1", CHAT, "change_pin", card_id=CARD, key=SESSION_KEY)
    with pytest.raises(LinkInvalid):
        inspect_link(token_of(link), key=LINK_KEY)


@pytest.mark.parametrize("base", ["http://evil.example.com/pin", "javascript:alert(1)"])
def test_links_are_https(base: str) -> None:
    with pytest.raises(ValueError, match="https"):
        make_link(base, "cust-1", CHAT, "change_pin", card_id=CARD, key=LINK_KEY)


# --- wrong attempts --------------------------------------------------------------------------------------
@pytest.fixture
def config() -> SecuritySettings:
    return SecuritySettings(table_name=IDEMPOTENCY_TABLE, max_attempts=3, lock_minutes=60)


def test_the_third_wrong_pin_locks_the_customer(dynamodb: DynamoDBClient, config: SecuritySettings) -> None:
    statuses = [record_failed_attempt("cust-1", "pin", config=config, dynamodb=dynamodb) for _ in range(3)]

    assert [s.remaining for s in statuses] == [2, 1, 0]
    assert [s.locked for s in statuses] == [False, False, True]
    with pytest.raises(TooManyAttempts) as locked:
        ensure_not_locked("cust-1", "pin", config=config, dynamodb=dynamodb)
    assert locked.value.details["locked_until"] > datetime.now(UTC) + timedelta(minutes=59)


def test_the_lock_is_per_customer_and_purpose(dynamodb: DynamoDBClient, config: SecuritySettings) -> None:
    for _ in range(3):
        record_failed_attempt("cust-1", "pin", config=config, dynamodb=dynamodb)

    assert ensure_not_locked("cust-2", "pin", config=config, dynamodb=dynamodb).failures == 0
    assert ensure_not_locked("cust-1", "password", config=config, dynamodb=dynamodb).failures == 0


def test_the_lock_ends_with_its_window(dynamodb: DynamoDBClient, config: SecuritySettings) -> None:
    start = time.time()
    for _ in range(3):
        record_failed_attempt("cust-1", "pin", config=config, dynamodb=dynamodb, now=start)
    later = start + 61 * 60

    assert not attempts_status("cust-1", "pin", config=config, dynamodb=dynamodb, now=later).locked
    assert record_failed_attempt("cust-1", "pin", config=config, dynamodb=dynamodb, now=later).failures == 1


def test_a_success_resets_the_count(dynamodb: DynamoDBClient, config: SecuritySettings) -> None:
    record_failed_attempt("cust-1", "pin", config=config, dynamodb=dynamodb)
    record_failed_attempt("cust-1", "pin", config=config, dynamodb=dynamodb)

    reset_attempts("cust-1", "pin", config=config, dynamodb=dynamodb)

    assert attempts_status("cust-1", "pin", config=config, dynamodb=dynamodb).failures == 0
