"""Telegram Web App initData, built here as Telegram builds it (the algorithm in PLATFORMS.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qsl, urlencode

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
        urlencode(fields()),  # every field right, no hash
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


# --- each check on its own: a valid initData with one thing changed, at a fixed moment -------------------------
NOW = 1_765_000_000.0


def valid_pairs(**changes: str | None) -> dict[str, str]:
    """The fields of a valid initData issued at NOW (a field given as None is left out)."""
    values: dict[str, str | None] = {**fields(auth_date=NOW), **changes}
    return {k: v for k, v in values.items() if v is not None}


def with_hash(hash_value: str | None, data: dict[str, str] | None = None) -> str:
    """initData of `data` (default: valid) carrying `hash_value` instead of the right hash (None: no hash)."""
    right = dict(parse_qsl(signed_init_data(data or valid_pairs())))
    if hash_value is None:
        del right["hash"]
    else:
        right["hash"] = hash_value
    return urlencode(right)


def right_hash() -> str:
    return dict(parse_qsl(signed_init_data(valid_pairs())))["hash"]


def test_the_base_init_data_verifies_at_that_moment() -> None:
    assert verify_init_data(signed_init_data(valid_pairs()), BOT_TOKEN, now=NOW).id == USER["id"]


def test_init_data_without_a_hash_is_refused() -> None:
    with pytest.raises(InitDataInvalid, match="hash"):
        verify_init_data(with_hash(None), BOT_TOKEN, now=NOW)


def test_init_data_with_an_empty_hash_is_refused() -> None:
    with pytest.raises(InitDataInvalid, match="hash"):
        verify_init_data(with_hash(""), BOT_TOKEN, now=NOW)


@pytest.mark.parametrize(
    "position", [0, 31, 32, 63], ids=["first", "last of the first half", "first of the second half", "last"]
)
def test_a_hash_with_one_hex_digit_changed_is_refused(position: int) -> None:
    right = right_hash()
    changed = right[:position] + ("0" if right[position] != "0" else "1") + right[position + 1 :]

    with pytest.raises(InitDataInvalid, match="hash"):
        verify_init_data(with_hash(changed), BOT_TOKEN, now=NOW)


@pytest.mark.parametrize("length", [32, 63], ids=["half", "one short"])
def test_a_truncated_hash_is_refused(length: int) -> None:
    with pytest.raises(InitDataInvalid, match="hash"):
        verify_init_data(with_hash(right_hash()[:length]), BOT_TOKEN, now=NOW)


def test_a_hash_with_a_digit_added_is_refused() -> None:
    with pytest.raises(InitDataInvalid, match="hash"):
        verify_init_data(with_hash(right_hash() + "0"), BOT_TOKEN, now=NOW)


def test_a_hash_in_upper_case_is_the_same_hash() -> None:
    assert verify_init_data(with_hash(right_hash().upper()), BOT_TOKEN, now=NOW).id == USER["id"]


def test_a_repeated_field_is_refused_even_when_the_hash_covers_both() -> None:
    # Which of two users is meant is ambiguous: refused, not resolved by taking one of them.
    other = json.dumps({**USER, "id": 1}, separators=(",", ":"))
    pairs = [*valid_pairs().items(), ("user", other)]
    secret = hmac.new(b"WebAppData", BOT_TOKEN.encode(), hashlib.sha256).digest()
    check = "\n".join(sorted(f"{k}={v}" for k, v in pairs))
    init_data = urlencode([*pairs, ("hash", hmac.new(secret, check.encode(), hashlib.sha256).hexdigest())])

    with pytest.raises(InitDataInvalid, match="repeats"):
        verify_init_data(init_data, BOT_TOKEN, now=NOW)


@pytest.mark.parametrize("auth_date", [None, "", "yesterday"], ids=["missing", "empty", "not a number"])
def test_init_data_with_a_signed_but_unusable_auth_date_is_refused(auth_date: str | None) -> None:
    with pytest.raises(InitDataInvalid, match="auth_date"):
        verify_init_data(signed_init_data(valid_pairs(auth_date=auth_date)), BOT_TOKEN, now=NOW)


@pytest.mark.parametrize(("age", "stale"), [(600, False), (601, True)])
def test_init_data_is_fresh_for_max_age_seconds_exactly(age: int, stale: bool) -> None:
    init_data = signed_init_data(valid_pairs())

    if stale:
        with pytest.raises(InitDataInvalid, match="stale"):
            verify_init_data(init_data, BOT_TOKEN, max_age_s=600, now=NOW + age)
    else:
        assert verify_init_data(init_data, BOT_TOKEN, max_age_s=600, now=NOW + age).id == USER["id"]


@pytest.mark.parametrize(("ahead", "refused"), [(60, False), (61, True)])
def test_init_data_from_the_future_is_accepted_up_to_a_minute_of_clock_skew(ahead: int, refused: bool) -> None:
    init_data = signed_init_data(valid_pairs())

    if refused:
        with pytest.raises(InitDataInvalid, match="stale"):
            verify_init_data(init_data, BOT_TOKEN, now=NOW - ahead)
    else:
        assert verify_init_data(init_data, BOT_TOKEN, now=NOW - ahead).id == USER["id"]


@pytest.mark.parametrize(
    "user",
    [None, "[]", "{}", '{"id":"x"}', "not json"],
    ids=["missing", "a list", "no id", "a non-numeric id", "not JSON"],
)
def test_init_data_with_a_signed_but_unusable_user_is_refused(user: str | None) -> None:
    with pytest.raises(InitDataInvalid, match="user"):
        verify_init_data(signed_init_data(valid_pairs(user=user)), BOT_TOKEN, now=NOW)
