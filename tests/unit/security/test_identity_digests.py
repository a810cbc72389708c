"""Phones and chats are named by keyed digests (HMAC under the identity key), never by a plain hash that anyone
could reverse by hashing every phone number or chat id: the chat binding in tokens and links, and the subjects of
the lockout and code-send counters. The oracles hash with hashlib and hmac here, not with the product's code.

Counters kept under the old unkeyed subjects before the change still count while their window lasts (README,
"Lockouts and code limits"), and tokens and links minted before it are refused."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from messenger_bank.security import _hs256, digests, links
from messenger_bank.security.errors import LinkInvalid, SessionInvalid, TooManyAttempts
from messenger_bank.security.session_tokens import issue_session, verify_session
from tests.unit.conftest import IDENTITY_KEY
from tests.unit.security.conftest import IDEMPOTENCY_TABLE, LINK_KEY, SESSION_KEY

CHAT = "telegram:123456"
PHONE = "+375291234567"
OTHER_IDENTITY_KEY = b"o" * 16 + b"another-identity-key-for-unit-tests"
T0 = 1_900_000_000
PURPOSE = "sign_in"


def keyed(kind: str, value: str, key: bytes = IDENTITY_KEY) -> str:
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def plain(value: str) -> str:
    """What the digest was before the identity key: reversible by hashing every phone or chat id."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@pytest.fixture
def identity_key_of_another_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digests, "_identity_key", lambda: OTHER_IDENTITY_KEY)


# --- keyed, not plain ------------------------------------------------------------------------------------
def test_the_chat_binding_is_the_keyed_digest_of_the_chat_not_its_plain_hash() -> None:
    assert _hs256.chat_binding(CHAT) == keyed("chat", CHAT)
    assert _hs256.chat_binding(CHAT) != plain(CHAT)


def test_the_counters_of_a_phone_and_a_chat_are_named_by_keyed_digests() -> None:
    assert links.phone_subject(PHONE) == "phone-" + keyed("phone", PHONE)
    assert links.chat_subject(_hs256.chat_binding(CHAT)) == "chat-" + keyed("chat", CHAT)
    assert PHONE.removeprefix("+") not in links.phone_subject(PHONE)


def test_another_identity_key_gives_another_binding_and_subject(identity_key_of_another_stack: None) -> None:
    assert _hs256.chat_binding(CHAT) == keyed("chat", CHAT, OTHER_IDENTITY_KEY) != keyed("chat", CHAT)
    assert links.phone_subject(PHONE) == "phone-" + keyed("phone", PHONE, OTHER_IDENTITY_KEY)


def test_a_phone_and_a_chat_with_the_same_characters_have_different_digests() -> None:
    # The kind is part of the message: a value of one kind never stands for a value of another.
    assert digests.identity_digest("phone", "375291234567") != digests.identity_digest("chat", "375291234567")


def test_the_previous_subjects_are_the_plain_hashes_the_counters_were_kept_under() -> None:
    assert links.previous_phone_subject(PHONE) == "phone-" + plain(PHONE)
    assert links.previous_chat_subject(CHAT) == "chat-" + plain(CHAT)


def test_without_the_carry_over_no_previous_subject_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digests, "READ_UNKEYED_COUNTERS", False)

    assert links.previous_phone_subject(PHONE) is None
    assert links.previous_chat_subject(CHAT) is None


# --- tokens and links bind under one identity key only --------------------------------------------------------
def test_a_session_minted_under_another_identity_key_does_not_bind_to_the_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digests, "_identity_key", lambda: OTHER_IDENTITY_KEY)
    token = issue_session("cust-1", CHAT, key=SESSION_KEY)
    monkeypatch.setattr(digests, "_identity_key", lambda: IDENTITY_KEY)

    with pytest.raises(SessionInvalid, match="another chat"):
        verify_session(token, chat_key=CHAT, key=SESSION_KEY)


def test_a_session_minted_and_checked_under_one_identity_key_binds() -> None:
    token = issue_session("cust-1", CHAT, key=SESSION_KEY)

    assert verify_session(token, chat_key=CHAT, key=SESSION_KEY).customer_id == "cust-1"


def test_a_link_minted_under_another_identity_key_is_not_this_chats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digests, "_identity_key", lambda: OTHER_IDENTITY_KEY)
    token = links.token_of(
        links.make_link("https://bank.example/secure/confirm", "cust-1", CHAT, "confirm_password", key=LINK_KEY)
    )
    monkeypatch.setattr(digests, "_identity_key", lambda: IDENTITY_KEY)

    with pytest.raises(LinkInvalid, match="another chat"):
        links.inspect_link(token, key=LINK_KEY, chat_key=CHAT)
    assert links.inspect_link(token, key=LINK_KEY).chat_binding == keyed("chat", CHAT, OTHER_IDENTITY_KEY)


# --- counters kept under the unkeyed subjects before the change -------------------------------------------------
CONFIG = links.SecuritySettings(table_name=IDEMPOTENCY_TABLE, max_attempts=3, lock_minutes=60)


def counted_before(dynamodb: DynamoDBClient, subject: str, failures: int, expiration: int) -> None:
    """A counter as the code before keyed digests left it (the item written here, not by the product)."""
    dynamodb.put_item(
        TableName=IDEMPOTENCY_TABLE,
        Item={
            "id": {"S": f"attempts#{PURPOSE}#{subject}"},
            "failures": {"N": str(failures)},
            "expiration": {"N": str(expiration)},
        },
    )


def check(dynamodb: DynamoDBClient, *, now: int, previous: str | None = "phone-" + plain(PHONE)) -> Any:
    return links.ensure_not_locked(
        links.phone_subject(PHONE), PURPOSE, config=CONFIG, dynamodb=dynamodb, now=now, previous_subject=previous
    )


def count(dynamodb: DynamoDBClient, *, now: int) -> links.AttemptsStatus:
    return links.record_failed_attempt(
        links.phone_subject(PHONE),
        PURPOSE,
        config=CONFIG,
        dynamodb=dynamodb,
        now=now,
        previous_subject="phone-" + plain(PHONE),
    )


def test_a_phone_locked_under_its_unkeyed_subject_stays_locked_until_its_window_ends(dynamodb: DynamoDBClient) -> None:
    counted_before(dynamodb, "phone-" + plain(PHONE), failures=3, expiration=T0 + 600)

    with pytest.raises(TooManyAttempts):
        check(dynamodb, now=T0 + 599)
    assert check(dynamodb, now=T0 + 600).failures == 0  # the old window is over: nothing carried


def test_the_old_lock_is_not_seen_without_its_previous_subject(dynamodb: DynamoDBClient) -> None:
    # The same record, read without the carry-over: what an attacker would get from the deploy.
    counted_before(dynamodb, "phone-" + plain(PHONE), failures=3, expiration=T0 + 600)

    assert check(dynamodb, now=T0, previous=None).failures == 0


def test_failures_before_the_change_and_after_it_add_up_to_the_lock(dynamodb: DynamoDBClient) -> None:
    counted_before(dynamodb, "phone-" + plain(PHONE), failures=2, expiration=T0 + 600)

    status = count(dynamodb, now=T0)

    assert status.failures == 3
    assert status.locked_until is not None and status.locked_until.timestamp() == T0 + 600  # the old window's end
    with pytest.raises(TooManyAttempts):
        check(dynamodb, now=T0 + 1, previous=None)  # the new counter holds the lock on its own


def test_a_stale_old_counter_is_not_carried(dynamodb: DynamoDBClient) -> None:
    counted_before(dynamodb, "phone-" + plain(PHONE), failures=2, expiration=T0)

    status = count(dynamodb, now=T0)

    assert status.failures == 1
    assert status.locked_until is None


def test_a_success_forgets_the_counter_under_both_subjects(dynamodb: DynamoDBClient) -> None:
    counted_before(dynamodb, "phone-" + plain(PHONE), failures=2, expiration=T0 + 600)
    count(dynamodb, now=T0)

    links.reset_attempts(
        links.phone_subject(PHONE), PURPOSE, config=CONFIG, dynamodb=dynamodb, previous_subject="phone-" + plain(PHONE)
    )

    assert check(dynamodb, now=T0 + 1).failures == 0
