"""Links and wrong attempts use the DynamoDB client and the moment they are given (a Lambda passes its own;
tests pass a moment far from now), and the wrong-attempt settings come from the environment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest

from messenger_bank.security import links
from messenger_bank.security.errors import LinkAlreadyUsed, TooManyAttempts
from messenger_bank.security.links import (
    SecuritySettings,
    attempts_status,
    ensure_not_locked,
    make_link,
    record_failed_attempt,
    redeem,
    reset_attempts,
    token_of,
)
from tests.unit.security.conftest import IDEMPOTENCY_TABLE, LINK_KEY

OTHER_REGION = "eu-west-1"  # the default client (AWS_DEFAULT_REGION) is in eu-central-1: no table there
CONFIG = SecuritySettings(table_name=IDEMPOTENCY_TABLE, max_attempts=3, lock_minutes=60)
LONG_AGO = 1_000_000_000.0  # 2001: a window then is long over by the real clock


@pytest.fixture
def elsewhere(aws: None) -> Iterator[object]:
    """A client of a table in another region than the module's default client."""
    client = boto3.client("dynamodb", region_name=OTHER_REGION)
    client.create_table(
        TableName=IDEMPOTENCY_TABLE,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    links.dynamodb_client.cache_clear()
    yield client
    links.dynamodb_client.cache_clear()


def test_a_link_is_used_up_in_the_given_client(elsewhere: object) -> None:
    token = token_of(make_link("https://bank.example/pin", "cust-1", "telegram:1", "change_password", key=LINK_KEY))

    redeem(token, key=LINK_KEY, table_name=IDEMPOTENCY_TABLE, dynamodb=elsewhere)  # type: ignore[arg-type]

    with pytest.raises(LinkAlreadyUsed):
        redeem(token, key=LINK_KEY, table_name=IDEMPOTENCY_TABLE, dynamodb=elsewhere)  # type: ignore[arg-type]


def test_wrong_attempts_are_counted_read_and_reset_in_the_given_client(elsewhere: object) -> None:
    for _ in range(3):
        record_failed_attempt("cust-1", "pin", config=CONFIG, dynamodb=elsewhere)  # type: ignore[arg-type]

    assert attempts_status("cust-1", "pin", config=CONFIG, dynamodb=elsewhere).failures == 3  # type: ignore[arg-type]
    with pytest.raises(TooManyAttempts):
        ensure_not_locked("cust-1", "pin", config=CONFIG, dynamodb=elsewhere)  # type: ignore[arg-type]
    reset_attempts("cust-1", "pin", config=CONFIG, dynamodb=elsewhere)  # type: ignore[arg-type]
    assert attempts_status("cust-1", "pin", config=CONFIG, dynamodb=elsewhere).failures == 0  # type: ignore[arg-type]


def test_the_lock_is_judged_at_the_given_moment(elsewhere: object) -> None:
    for _ in range(3):
        record_failed_attempt("cust-1", "pin", config=CONFIG, dynamodb=elsewhere, now=LONG_AGO)  # type: ignore[arg-type]

    with pytest.raises(TooManyAttempts) as locked:
        ensure_not_locked("cust-1", "pin", config=CONFIG, dynamodb=elsewhere, now=LONG_AGO + 60)  # type: ignore[arg-type]
    assert locked.value.details["locked_until"] == datetime.fromtimestamp(LONG_AGO + 3600, UTC)


def test_the_attempts_are_read_consistently(elsewhere: object) -> None:
    reads: list[bool] = []
    elsewhere.meta.events.register(  # type: ignore[attr-defined]
        "provide-client-params.dynamodb.GetItem", lambda params, **_: reads.append(params["ConsistentRead"])
    )

    attempts_status("cust-1", "pin", config=CONFIG, dynamodb=elsewhere)  # type: ignore[arg-type]

    assert reads == [True]


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, SecuritySettings(table_name="security", max_attempts=3, lock_minutes=60)),
        (
            {"SECURITY_MAX_ATTEMPTS": "5", "SECURITY_LOCK_MINUTES": "15"},
            SecuritySettings(table_name="security", max_attempts=5, lock_minutes=15),
        ),
    ],
    ids=["defaults", "set"],
)
def test_the_wrong_attempt_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: SecuritySettings
) -> None:
    monkeypatch.setenv("SECURITY_TABLE", "security")
    for name in ("SECURITY_MAX_ATTEMPTS", "SECURITY_LOCK_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert SecuritySettings.from_env() == expected


def test_the_settings_need_the_security_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECURITY_TABLE", raising=False)

    with pytest.raises(RuntimeError, match="SECURITY_TABLE"):
        SecuritySettings.from_env()
