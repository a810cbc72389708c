"""Counters kept under the old unkeyed subjects (a plain SHA-256 of the phone or the chat) before keyed digests
still count while their window lasts, so nobody gains attempts or codes from the deploy (README, "Lockouts and code
limits"). Delete this file with ``digests.READ_UNKEYED_COUNTERS``. The old items are written here, not by the
product."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from messenger_bank.security import digests, links
from messenger_bank.security.errors import TooManyAttempts
from tests.unit.security.conftest import IDEMPOTENCY_TABLE

CHAT = "telegram:123456"
PHONE = "+375291234567"
T0 = 1_900_000_000
PURPOSE = "sign_in"


def plain(value: str) -> str:
    """The digest before the identity key."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def test_the_previous_subjects_are_the_plain_hashes_the_counters_were_kept_under() -> None:
    assert links.previous_phone_subject(PHONE) == "phone-" + plain(PHONE)
    assert links.previous_chat_subject(CHAT) == "chat-" + plain(CHAT)


def test_without_the_carry_over_no_previous_subject_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digests, "READ_UNKEYED_COUNTERS", False)

    assert links.previous_phone_subject(PHONE) is None
    assert links.previous_chat_subject(CHAT) is None


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
