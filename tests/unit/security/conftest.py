from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kms import KMSClient

REGION = "eu-central-1"
CARD_TOKENS_TABLE = "card-tokens"
IDEMPOTENCY_TABLE = "idempotency"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


@pytest.fixture
def dynamodb(aws: None) -> DynamoDBClient:
    """The two tables this context writes, shaped as the template declares them."""
    client = boto3.client("dynamodb", region_name=REGION)
    for name, key in ((CARD_TOKENS_TABLE, "token"), (IDEMPOTENCY_TABLE, "id")):
        client.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    client.update_time_to_live(
        TableName=CARD_TOKENS_TABLE, TimeToLiveSpecification={"AttributeName": "expires_at", "Enabled": True}
    )
    client.update_time_to_live(
        TableName=IDEMPOTENCY_TABLE, TimeToLiveSpecification={"AttributeName": "expiration", "Enabled": True}
    )
    return client


@pytest.fixture
def kms(aws: None) -> KMSClient:
    return boto3.client("kms", region_name=REGION)


@pytest.fixture
def card_key_id(kms: KMSClient) -> str:
    return kms.create_key(Description="card numbers", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]


SESSION_KEY = b"s" * 16 + b"session-signing-key-for-tests-0123456789"
LINK_KEY = b"l" * 16 + b"link-signing-key-for-tests-0123456789"


def flip_a_bit(segment: str) -> str:
    """A base64url segment with one bit of its middle byte flipped (re-encoded, so it really differs)."""
    import base64

    raw = bytearray(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


class JwtClock:
    """The moment PyJWT and our HS256 tokens take for "now" (epoch seconds) while ``jwt_clock`` is in use; set
    ``at`` to move it."""

    def __init__(self, at: float) -> None:
        self.at = at


@pytest.fixture
def jwt_clock(monkeypatch: pytest.MonkeyPatch) -> JwtClock:
    """Freeze PyJWT's clock and ours, so that expiry and not-before are tested to the second, not around a real
    clock."""
    from datetime import datetime, tzinfo

    import jwt.api_jwt

    from messenger_bank.security import _hs256

    clock = JwtClock(time.time())

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> FrozenDatetime:
            moment = datetime.fromtimestamp(clock.at, tz)
            return cls.fromtimestamp(moment.timestamp(), tz)

    monkeypatch.setattr(jwt.api_jwt, "datetime", FrozenDatetime)
    monkeypatch.setattr(_hs256, "_clock", lambda: clock.at)
    return clock
