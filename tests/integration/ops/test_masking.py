"""local/ops/masking.py: what an operator may see."""

from __future__ import annotations

import json

import pytest

from local.ops.masking import MASK, is_sensitive_key, mask, mask_json_text, mask_text


@pytest.mark.parametrize(
    "key",
    [
        "pan",
        "PAN",
        "card_number",
        "cardNumber",
        "passport",
        "passport_number",
        "passportNumber",
        "name",
        "full_name",
        "fullName",
        "first_name",
        "phone",
        "phone_number",
        "pin",
        "pinCode",
        "password",
        "token",
        "access_token",
        "TaskToken",
        "secret",
        "client_secret",
        "iban",
    ],
)
def test_sensitive_keys_are_recognised(key: str) -> None:
    assert is_sensitive_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "state_name",
        "function_name",
        "company",
        "expand",
        "shipping",
        "language",
        "chat_id",
        "card_mask",
        "application_id",
        "customer_ref",
        "channel",
    ],
)
def test_ordinary_keys_are_not(key: str) -> None:
    assert not is_sensitive_key(key)


def test_values_under_sensitive_keys_are_masked_at_any_depth() -> None:
    given = {
        "customer": {"full_name": "Ivan Petrov", "passport": {"number": "MP1234567"}, "phone": None},
        "items": [{"pin": 1234}],
        "language": "be",
    }

    masked = mask(given)

    assert masked == {
        "customer": {"full_name": MASK, "passport": MASK, "phone": None},
        "items": [{"pin": MASK}],
        "language": "be",
    }
    assert given["customer"]["full_name"] == "Ivan Petrov"  # the input is untouched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111111111111111 please", "card 411111******1111 please"),
        ("5500 0000 0000 0004", "550000******0004"),
        ("5500-0000-0000-0004!", "550000******0004!"),
        ("4111111111111112", "4111111111111112"),  # not Luhn-valid: an ordinary number
        ("id 1234567890123", "id 1234567890123"),
        ("41111111111111110000", "41111111111111110000"),  # 20 digits: not a card number
        ("phone +375291234567", "phone +375291234567"),
    ],
)
def test_card_numbers_in_text_are_masked_as_the_logs_mask_them(text: str, expected: str) -> None:
    assert mask_text(text) == expected


def test_a_card_number_as_a_json_integer_is_masked() -> None:
    assert mask({"amount": 1500, "ref": 4111111111111111}) == {"amount": 1500, "ref": "411111******1111"}


def test_json_inside_a_string_is_masked_as_json() -> None:
    cause = json.dumps({"errorMessage": "bad card 4111111111111111", "passport": "MP1234567"})

    masked = json.loads(mask_text(cause))

    assert masked == {"errorMessage": "bad card 411111******1111", "passport": MASK}


def test_an_api_document_is_parsed_and_masked() -> None:
    assert mask_json_text('{"pan": "4111111111111111", "n": 1}') == {"pan": MASK, "n": 1}
    assert mask_json_text("not json 4111111111111111") == "not json 411111******1111"
    assert mask_json_text(None) is None


def test_a_credential_in_text_is_masked_as_the_logs_mask_it() -> None:
    assert mask_text("Authorization: Bearer abcdefgh12345678") == "Authorization: [redacted]"
