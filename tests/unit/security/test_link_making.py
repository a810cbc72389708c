"""How a link is made from its chat key and base URL, and what using it up leaves in the security table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from messenger_bank.security.links import inspect_link, make_link, redeem, token_of
from tests.unit.security.conftest import IDEMPOTENCY_TABLE, LINK_KEY, JwtClock

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BASE = "https://api.example.com/secure/password"
NOW = 1_765_000_000


def link_for(chat_key: str, base: str = BASE) -> str:
    return make_link(base, "cust-1", chat_key, "change_password", key=LINK_KEY, now=datetime.fromtimestamp(NOW, UTC))


# --- the chat key -----------------------------------------------------------------------------------------------
def test_a_chat_id_holding_a_colon_keeps_the_channel_before_the_first_colon(jwt_clock: JwtClock) -> None:
    jwt_clock.at = NOW

    claims = inspect_link(token_of(link_for("telegram:12:34")), key=LINK_KEY, chat_key="telegram:12:34")

    assert claims.channel == "telegram"


@pytest.mark.parametrize("chat_key", ["telegram:", ":123456", ""], ids=["no chat id", "no channel", "nothing"])
def test_a_link_is_not_made_for_a_chat_key_without_its_channel_or_its_chat_id(chat_key: str) -> None:
    with pytest.raises(ValueError, match="needs a customer and a chat"):
        link_for(chat_key)


def test_a_link_is_made_for_a_chat_key_with_both(jwt_clock: JwtClock) -> None:
    jwt_clock.at = NOW

    assert inspect_link(token_of(link_for("viber:1")), key=LINK_KEY).channel == "viber"


# --- the base URL -----------------------------------------------------------------------------------------------
def test_a_base_url_with_a_query_gets_the_token_as_one_more_parameter() -> None:
    link = link_for("telegram:123456", base=f"{BASE}?lang=en")

    assert link.startswith(f"{BASE}?lang=en&t=")
    assert parse_qs(urlsplit(link).query).keys() == {"lang", "t"}


def test_a_base_url_without_a_query_gets_the_token_as_its_query() -> None:
    link = link_for("telegram:123456")

    assert link.startswith(f"{BASE}?t=")


# --- what redeeming leaves --------------------------------------------------------------------------------------
def test_a_used_link_is_kept_an_hour_past_its_expiry(jwt_clock: JwtClock, dynamodb: DynamoDBClient) -> None:
    jwt_clock.at = NOW
    claims = redeem(
        token_of(link_for("telegram:123456")),
        key=LINK_KEY,
        table_name=IDEMPOTENCY_TABLE,
        dynamodb=dynamodb,
    )

    item = dynamodb.get_item(TableName=IDEMPOTENCY_TABLE, Key={"id": {"S": f"link#{claims.jti}"}})["Item"]
    expiry = NOW + int(timedelta(minutes=5).total_seconds())
    assert item == {"id": {"S": f"link#{claims.jti}"}, "expiration": {"N": str(expiry + 3600)}}
