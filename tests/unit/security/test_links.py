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
from tests.unit.security.conftest import IDEMPOTENCY_TABLE, LINK_KEY, SESSION_KEY, JwtClock, flip_a_bit

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


# --- each check on its own, at a fixed moment ------------------------------------------------------------------
NOW = 1_765_000_000
LEEWAY = 5  # seconds, as for sessions


def fresh_token(**changes: object) -> str:
    """The token of a valid five-minute PIN link for cust-1 in CHAT, made at NOW."""
    options: dict[str, object] = {"purpose": "change_pin", "ttl": timedelta(minutes=5), **changes}
    return token_of(
        make_link(
            BASE,
            "cust-1",
            CHAT,
            options["purpose"],  # type: ignore[arg-type]
            options["ttl"],  # type: ignore[arg-type]
            card_id=CARD if options["purpose"] == "change_pin" else None,
            key=LINK_KEY,
            now=datetime.fromtimestamp(NOW, UTC),
        )
    )


def test_a_link_is_valid_until_the_leeway_after_its_expiry(jwt_clock: JwtClock, dynamodb: DynamoDBClient) -> None:
    token = fresh_token()
    jwt_clock.at = NOW + 300 + LEEWAY - 1

    assert redeem_(token, dynamodb, chat_key=CHAT)


def test_a_link_is_expired_once_the_leeway_after_its_expiry_has_passed(
    jwt_clock: JwtClock, dynamodb: DynamoDBClient
) -> None:
    token = fresh_token()
    jwt_clock.at = NOW + 300 + LEEWAY

    with pytest.raises(LinkExpired):
        redeem_(token, dynamodb, chat_key=CHAT)
    jwt_clock.at = NOW
    assert redeem_(token, dynamodb, chat_key=CHAT), "an expired link was used up by the refusal"


def test_a_used_link_stays_used_whatever_chat_or_moment(jwt_clock: JwtClock, dynamodb: DynamoDBClient) -> None:
    jwt_clock.at = NOW
    token = fresh_token()
    redeem_(token, dynamodb, chat_key=CHAT)

    with pytest.raises(LinkAlreadyUsed):
        redeem_(token, dynamodb, chat_key=CHAT)
    with pytest.raises(LinkAlreadyUsed):
        redeem_(token, dynamodb)


def test_two_links_for_the_same_page_are_each_usable_once(jwt_clock: JwtClock, dynamodb: DynamoDBClient) -> None:
    jwt_clock.at = NOW
    first, second = fresh_token(), fresh_token()

    assert redeem_(first, dynamodb, chat_key=CHAT)
    assert redeem_(second, dynamodb, chat_key=CHAT)


def test_a_link_with_its_purpose_changed_after_signing_is_refused(
    jwt_clock: JwtClock, dynamodb: DynamoDBClient
) -> None:
    jwt_clock.at = NOW
    header, _, signature = fresh_token().split(".")
    _, password_payload, _ = fresh_token(purpose="change_password").split(".")

    with pytest.raises(LinkInvalid):
        redeem_(f"{header}.{password_payload}.{signature}", dynamodb, chat_key=CHAT)


def test_a_link_says_what_it_is_for(jwt_clock: JwtClock) -> None:
    jwt_clock.at = NOW

    assert inspect_link(fresh_token(purpose="change_password"), key=LINK_KEY).purpose == "change_password"


def test_a_link_from_another_chat_is_refused_by_inspection_too(jwt_clock: JwtClock) -> None:
    jwt_clock.at = NOW

    with pytest.raises(LinkInvalid, match="another chat"):
        inspect_link(fresh_token(), key=LINK_KEY, chat_key="telegram:1234567")


@pytest.mark.parametrize("ttl", [timedelta(seconds=1), timedelta(minutes=5)])
def test_a_link_may_last_from_a_second_to_five_minutes(ttl: timedelta) -> None:
    assert fresh_token(ttl=ttl)


@pytest.mark.parametrize("ttl", [timedelta(0), timedelta(minutes=5, seconds=1)])
def test_a_link_of_no_time_or_longer_than_five_minutes_is_not_made(ttl: timedelta) -> None:
    with pytest.raises(ValueError, match="between 0 and 5 minutes"):
        fresh_token(ttl=ttl)


def test_the_lock_holds_until_the_last_second_of_its_window(dynamodb: DynamoDBClient, config: SecuritySettings) -> None:
    start = 1_765_000_000.0
    for _ in range(3):
        record_failed_attempt("cust-1", "pin", config=config, dynamodb=dynamodb, now=start)
    end = start + 60 * 60

    assert attempts_status("cust-1", "pin", config=config, dynamodb=dynamodb, now=end - 1).locked
    assert not attempts_status("cust-1", "pin", config=config, dynamodb=dynamodb, now=end).locked


def test_two_wrong_pins_do_not_lock(dynamodb: DynamoDBClient, config: SecuritySettings) -> None:
    for _ in range(2):
        record_failed_attempt("cust-1", "pin", config=config, dynamodb=dynamodb)

    assert ensure_not_locked("cust-1", "pin", config=config, dynamodb=dynamodb).remaining == 1
