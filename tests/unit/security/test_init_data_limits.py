"""Telegram Web App initData: the default age, the length limit, strict parsing and the fields carried over.

Each case is a valid initData (signed here as Telegram signs it) with one thing changed.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from messenger_bank.security.errors import InitDataInvalid
from messenger_bank.security.links import INIT_DATA_MAX_CHARS, verify_init_data
from tests.unit.security.test_init_data import BOT_TOKEN, NOW, USER, signed_init_data, valid_pairs


def hash_of(pairs: list[tuple[str, str]]) -> str:
    """Telegram's hash, computed here from the documented algorithm (not with the code under test)."""
    secret = hmac.new(b"WebAppData", BOT_TOKEN.encode(), hashlib.sha256).digest()
    check = "\n".join(sorted(f"{k}={v}" for k, v in pairs))
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize(("age", "stale"), [(600, False), (601, True)])
def test_init_data_is_fresh_for_ten_minutes_by_default(age: int, stale: bool) -> None:
    init_data = signed_init_data(valid_pairs())

    if stale:
        with pytest.raises(InitDataInvalid):
            verify_init_data(init_data, BOT_TOKEN, now=NOW + age)
    else:
        assert verify_init_data(init_data, BOT_TOKEN, now=NOW + age).id == USER["id"]


def signed_of_length(length: int) -> str:
    """Valid signed initData exactly `length` characters long (padded with a signed field)."""
    base = signed_init_data(valid_pairs(pad="x"))
    padded = signed_init_data(valid_pairs(pad="x" * (1 + length - len(base))))
    assert len(padded) == length
    return padded


def test_init_data_of_the_longest_length_verifies() -> None:
    assert verify_init_data(signed_of_length(INIT_DATA_MAX_CHARS), BOT_TOKEN, now=NOW).id == USER["id"]


def test_init_data_a_character_too_long_is_refused_though_its_hash_verifies() -> None:
    with pytest.raises(InitDataInvalid):
        verify_init_data(signed_of_length(INIT_DATA_MAX_CHARS + 1), BOT_TOKEN, now=NOW)


def test_a_field_without_an_equals_sign_is_refused_though_the_hash_covers_it() -> None:
    # A lenient parser would read "junk" as junk="" (which the hash below covers); the data is malformed.
    pairs = [(k, v) for k, v in valid_pairs().items()] + [("junk", "")]
    body = "&".join(f"{k}={quote(v)}" for k, v in pairs if k != "junk")
    init_data = f"{body}&junk&hash={hash_of(pairs)}"

    with pytest.raises(InitDataInvalid):
        verify_init_data(init_data, BOT_TOKEN, now=NOW)


def test_the_same_data_with_the_equals_sign_verifies() -> None:
    pairs = [(k, v) for k, v in valid_pairs().items()] + [("junk", "")]
    body = "&".join(f"{k}={quote(v)}" for k, v in pairs)

    assert verify_init_data(f"{body}&hash={hash_of(pairs)}", BOT_TOKEN, now=NOW).id == USER["id"]


def test_the_user_carries_the_signed_auth_date_in_utc_and_the_query_id() -> None:
    user = verify_init_data(signed_init_data(valid_pairs()), BOT_TOKEN, now=NOW)

    assert user.auth_date == datetime(2025, 12, 6, 5, 46, 40, tzinfo=UTC)
    assert user.auth_date.utcoffset() is not None
    assert user.query_id == "AAHdF6IQAAAAAN0XohDhrOrc"


def test_a_user_without_a_query_id_has_none() -> None:
    user = verify_init_data(signed_init_data(valid_pairs(query_id=None)), BOT_TOKEN, now=NOW)

    assert user.query_id is None
