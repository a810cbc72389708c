"""Someone else's phone number as a customer sees it: operator and last four, in the national grouping."""

from __future__ import annotations

import pytest

from messenger_bank.phones import BELARUS_OPERATORS, mask_phone


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("+375291234567", "+375 29 ***-45-67"),
        ("+375250000001", "+375 25 ***-00-01"),
        ("+375331112233", "+375 33 ***-22-33"),
        ("+375447654321", "+375 44 ***-43-21"),
        ("+375171234567", "+375 ***4567"),  # a Minsk landline: not a mobile operator's code
        ("+15555550123", "+155 ***0123"),
        ("+4930123456", "+493 ***3456"),
    ],
)
def test_only_the_operator_and_the_last_four_digits_are_shown(phone: str, shown: str) -> None:
    assert mask_phone(phone) == shown


@pytest.mark.parametrize("phone", ["375291234567", "+375 29 123-45-67", "+3752912", "", "+0291234567"])
def test_a_number_not_in_e164_is_refused_not_half_masked(phone: str) -> None:
    with pytest.raises(ValueError, match=r"E\.164"):
        mask_phone(phone)


def test_the_belarusian_mobile_operators() -> None:
    assert BELARUS_OPERATORS == ("25", "29", "33", "44")
