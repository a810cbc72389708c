"""The test oracle for card numbers checks itself: published test card numbers are found however they are
grouped, and numbers that fail the Luhn check, or are too short or too long, are not."""

from __future__ import annotations

import json

import pytest

from tests.support.pan_oracle import card_numbers_in, luhn, pans_in

# Test numbers the card schemes and acquirers publish (13 to 19 digits).
PUBLISHED = [
    "4222222222222",  # Visa, 13
    "30569309025904",  # Diners Club, 14
    "378282246310005",  # American Express, 15
    "4111111111111111",  # Visa, 16
    "5555555555554444",  # Mastercard, 16
    "6011000990139424",  # Discover, 16
    "3530111333300000",  # JCB, 16
    "6250941006528599",  # UnionPay, 16
    "6759649826438453",  # Maestro, 16
    "4000000000000000006",  # Visa, 19
]


@pytest.mark.parametrize("number", PUBLISHED)
def test_published_test_numbers_pass_the_oracles_luhn(number: str) -> None:
    assert luhn(number)


@pytest.mark.parametrize("number", ["4111111111111112", "79927398710", "1234567812345678"])
def test_numbers_with_a_wrong_check_digit_fail_the_oracles_luhn(number: str) -> None:
    assert not luhn(number)


@pytest.mark.parametrize(
    "separator",
    [" ", "\u00a0", "\u2009", "\u202f", "\u2007", "\u3000", "-", ".", "  ", " - ", "\t"],
    ids=["space", "no-break", "thin", "narrow no-break", "figure", "ideographic", "dash", "dot", "two spaces",
         "spaced dash", "tab"],
)  # fmt: skip
def test_the_oracle_finds_a_card_number_however_grouped(separator: str) -> None:
    assert card_numbers_in(f"paid with {separator.join(['4111', '1111', '1111', '1111'])} today") == [
        "4111111111111111"
    ]


@pytest.mark.parametrize("number", PUBLISHED)
def test_the_oracle_finds_every_published_number_bare_and_in_json(number: str) -> None:
    assert number in card_numbers_in(f'{{"reference": {number}, "note": "card {number}."}}')


@pytest.mark.parametrize(
    "text",
    [
        "411111******1111",  # a mask
        "•• 1111",
        "4111111111111112",  # Luhn fails
        "422222222222",  # 12 digits
        "41111111111111111111",  # 20 digits in one group
        "2026-12-06 07:10:41",
        "",
    ],
)
def test_the_oracle_finds_nothing_where_there_is_no_card_number(text: str) -> None:
    assert card_numbers_in(text) == []


def test_the_oracle_takes_any_first_digit() -> None:
    # Wider than the product's rule (which leaves out numbers starting with 0, 1, 7, 8): a mistake in the
    # product's scheme table cannot hide a number from the oracle.
    assert card_numbers_in("1234567812345670") == ["1234567812345670"]


# A Luhn-valid 19-digit number shaped like a Viber message token, and a UUID whose digits, dash-grouped, hold a
# Luhn-valid run of 13 ("7358-4397-8584" from its second group on).
VIBER_TOKEN = "5000000004908593301"
UUID_WITH_A_RUN = "21ab55e3-7358-4397-8584-c03631e04482"


@pytest.mark.parametrize(
    ("where", "record"),
    [
        ("a platform id", {"message_token": int(VIBER_TOKEN)}),
        ("a platform id in a state kept as a string", {"output": json.dumps({"message_id": int(VIBER_TOKEN)})}),
        ("a request id", {"S": json.dumps({"message_id": UUID_WITH_A_RUN})}),
    ],
)
def test_the_leftovers_scan_passes_over_ids(where: str, record: dict[str, object]) -> None:
    assert card_numbers_in(json.dumps(record)), f"{where}: the raw rule finds a number, so the scan must take it out"
    assert pans_in(record) == [], where


def test_the_leftovers_scan_still_finds_a_card_number_beside_an_id() -> None:
    record = {"output": json.dumps({"message_id": 42, "amount": int(VIBER_TOKEN), "note": "card 4111 1111 1111 1111"})}

    assert pans_in(record) == [VIBER_TOKEN, "4111111111111111"]
