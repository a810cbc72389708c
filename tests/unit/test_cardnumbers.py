"""Card numbers: the Luhn check, the lengths, the schemes' ranges and the masks, against literal values
(published test card numbers and hand-worked check digits), each boundary from both sides."""

from __future__ import annotations

import pytest

from messenger_bank.cardnumbers import (
    has_card_length,
    in_card_range,
    is_card_number,
    last_four,
    luhn_valid,
    mask_pan,
    short_mask,
)

VISA = "4111111111111111"
MASTERCARD = "5555555555554444"
AMEX = "378282246310005"  # 15 digits
VISA_13 = "4222222222222"  # an old 13-digit Visa test number
VISA_19 = "4000000000000000006"  # 19 digits: 4 + 6 = 10
BELKART = "9112000000000006"


@pytest.mark.parametrize("number", [VISA, MASTERCARD, AMEX, VISA_13, VISA_19, BELKART, "79927398713", "0"])
def test_numbers_with_a_right_check_digit_pass(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize(
    "number",
    [
        "4111111111111112",  # the check digit one off
        "4111111111111121",  # two digits swapped
        "79927398710",
        "",  # nothing
        "4111 1111 1111 1111",  # separators: bare digits only
        "٤١١١١١١١١١١١١١١١",  # Arabic-Indic digits are digits to Python, not to a card
        "41111111111111a1",
    ],
)
def test_anything_else_fails(number: str) -> None:
    assert not luhn_valid(number)


@pytest.mark.parametrize(
    ("digits", "card_length"),
    [("4" * 12, False), ("4" * 13, True), ("4" * 16, True), ("4" * 19, True), ("4" * 20, False)],
)
def test_a_card_number_has_13_to_19_digits(digits: str, card_length: bool) -> None:
    assert has_card_length(digits) is card_length


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("422222222222", False),  # 12 digits, Luhn-valid: too short
        (VISA_13, True),
        (VISA, True),
        (VISA_19, True),
        ("40000000000000000002", False),  # 20 digits, Luhn-valid (8 + 2): too long
        ("4111111111111112", False),
    ],
)
def test_a_card_number_is_the_right_length_and_passes_the_check(number: str, valid: bool) -> None:
    assert is_card_number(number) is valid


@pytest.mark.parametrize(
    ("digits", "card"),
    [
        ("1234567890123456", False),
        ("2221000000000009", True),
        ("3782822463100050", True),
        ("4111111111111111", True),
        ("5555555555554444", True),
        ("6011000990139424", True),
        ("7000000077000003", False),  # a Messenger page-scoped id
        ("8000000000000002", False),
        ("9112000000000006", True),  # Belkart
        ("9111000000000007", False),  # a 9 that is not Belkart's 9112
        ("", False),
    ],
)
def test_the_schemes_number_ranges(digits: str, card: bool) -> None:
    assert in_card_range(digits) is card


@pytest.mark.parametrize(
    ("digits", "mask"),
    [
        (VISA_13, "422222***2222"),
        (AMEX, "378282*****0005"),
        (VISA, "411111******1111"),
        (VISA_19, "400000*********0006"),
        ("4111111111111112", "411111******1112"),  # a mistyped number is masked too
    ],
)
def test_the_mask_shows_the_first_six_and_last_four(digits: str, mask: str) -> None:
    assert mask_pan(digits) == mask


@pytest.mark.parametrize("digits", ["4" * 12, "4" * 20, "4111 1111 1111 1111", ""])
def test_only_a_card_numbers_digits_are_masked(digits: str) -> None:
    with pytest.raises(ValueError, match="13 to 19"):
        mask_pan(digits)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(VISA, "•• 1111"), ("411111******4444", "•• 4444"), ("•• 0005", "•• 0005"), ("1234", "•• 1234")],
)
def test_the_short_mask_shows_the_last_four(value: str, shown: str) -> None:
    assert short_mask(value) == shown
    assert last_four(value) == shown[-4:]


@pytest.mark.parametrize("value", ["123", "•• ***", ""])
def test_fewer_than_four_digits_cannot_be_masked(value: str) -> None:
    with pytest.raises(ValueError, match="four digits"):
        short_mask(value)
