"""Telegram Web App initData, built here as Telegram builds it (the algorithm in PLATFORMS.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest

from messenger_bank.security.errors import InitDataInvalid
from messenger_bank.security.links import verify_init_data

BOT_TOKEN = "123456:TEST-bot-token-for-unit-tests"
USER = {"id": 279058397, "first_name": "Алеся", "username": "alesia", "language_code": "be", "is_premium": True}


def signed_init_data(fields: dict[str, str], bot_token: str = BOT_TOKEN) -> str:
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    return urlencode({**fields, "hash": hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()})


def fields(auth_date: float | None = None, **extra: str) -> dict[str, str]:
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(USER, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(time.time() if auth_date is None else auth_date)),
        **extra,
    }


def test_correct_init_data_gives_the_user() -> None:
    user = verify_init_data(signed_init_data(fields()), BOT_TOKEN)

    assert (user.id, user.first_name, user.language_code) == (279058397, "Алеся", "be")
    assert user.chat_key == "telegram:279058397"


def test_the_signature_field_stays_in_the_data_check_string() -> None:
    # Newer clients add an Ed25519 `signature` for third parties; Telegram's hash covers it too.
    data = fields(signature="ZWQyNTUxOS1zaWduYXR1cmUtZm9yLXRoaXJkLXBhcnRpZXM")

    assert verify_init_data(signed_init_data(data), BOT_TOKEN).id == USER["id"]


def test_a_wrong_hash_is_refused() -> None:
    init_data = signed_init_data(fields())
    forged = init_data[:-1] + ("0" if init_data[-1] != "0" else "1")

    with pytest.raises(InitDataInvalid):
        verify_init_data(forged, BOT_TOKEN)


def test_init_data_signed_for_another_bot_is_refused() -> None:
    with pytest.raises(InitDataInvalid):
        verify_init_data(signed_init_data(fields(), bot_token="999:other-bot"), BOT_TOKEN)


def test_a_changed_user_is_refused() -> None:
    init_data = signed_init_data(fields()).replace("279058397", "279058398")

    with pytest.raises(InitDataInvalid):
        verify_init_data(init_data, BOT_TOKEN)


def test_a_stale_auth_date_is_refused() -> None:
    with pytest.raises(InitDataInvalid, match="stale"):
        verify_init_data(signed_init_data(fields(auth_date=time.time() - 601)), BOT_TOKEN, max_age_s=600)


def test_an_auth_date_in_the_future_is_refused() -> None:
    with pytest.raises(InitDataInvalid, match="stale"):
        verify_init_data(signed_init_data(fields(auth_date=time.time() + 3600)), BOT_TOKEN)


@pytest.mark.parametrize(
    "init_data",
    [
        "",
        "not a query string",
        "user=%7B%7D&auth_date=1",
        signed_init_data(fields()) + "&hash=" + "0" * 64,  # a repeated field
        signed_init_data({"auth_date": str(int(time.time()))}),  # no user
        signed_init_data({"user": json.dumps(USER)}),  # no auth_date
        "x=" + "a" * 5000,
    ],
    # Fixed ids: values built from the clock differ between xdist workers, which must collect alike.
    ids=["empty", "not a query", "no hash", "repeated field", "no user", "no auth date", "oversized"],
)
def test_malformed_init_data_is_refused(init_data: str) -> None:
    with pytest.raises(InitDataInvalid):
        verify_init_data(init_data, BOT_TOKEN)
