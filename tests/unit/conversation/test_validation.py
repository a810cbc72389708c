"""What customers type, checked and normalised — or refused with a catalogue key."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messenger_bank.cardnumbers import luhn_valid
from messenger_bank.conversation.catalogue import catalogue, placeholders
from messenger_bank.conversation.validation import (
    VALIDATORS,
    Invalid,
    ValidationContext,
    contains_card_number,
    validate_account,
    validate_address,
    validate_amount,
    validate_card_number,
    validate_date_of_birth,
    validate_expiry,
    validate_full_name,
    validate_issue_date,
    validate_last_four,
    validate_name,
    validate_otp,
    validate_passport_number,
    validate_personal_id,
    validate_phone,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def key(result: object) -> str:
    assert isinstance(result, Invalid), result
    return result.key


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("иван", "Иван"),
        ("IVAN", "Ivan"),
        ("анна-мария", "Анна-Мария"),
        ("o'brien", "O’Brien"),
        ("д’артаньян", "Д’Артаньян"),
        ("Усцін", "Усцін"),
        ("ўладзімір", "Ўладзімір"),
    ],
)
def test_names_in_latin_and_cyrillic_are_normalised(typed: str, expected: str) -> None:
    assert validate_name(typed) == expected


@pytest.mark.parametrize("typed", ["", "A", "Ivan2", "Iv@n", "-Ivan", "Ivan-", "x" * 51, "Ivan Petrov"])
def test_bad_names_are_refused(typed: str) -> None:
    assert key(validate_name(typed)) == "error.name"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("иванов иван иванович", "Иванов Иван Иванович"),
        ("  Kovalenko   Olga ", "Kovalenko Olga"),
        ("Шчэрбіч Ўладзь", "Шчэрбіч Ўладзь"),
    ],
)
def test_full_names(typed: str, expected: str) -> None:
    assert validate_full_name(typed) == expected


@pytest.mark.parametrize("typed", ["Иван", "Иван 3000", "a b c d e", "4111 1111 1111 1111"])
def test_bad_full_names(typed: str) -> None:
    assert key(validate_full_name(typed)) == "error.full_name"


@pytest.mark.parametrize(
    "typed",
    ["05.03.1990", "5.3.1990", "05/03/1990", "05-03-1990", "05.03.90", "05031990", "1990-03-05",
     "5 марта 1990", "5 March 1990", "5 сакавіка 1990 г."],
)  # fmt: skip
def test_dates_of_birth_in_many_formats(typed: str) -> None:
    assert validate_date_of_birth(typed, now=NOW) == date(1990, 3, 5)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("31.02.1990", "error.date"),
        ("yesterday", "error.date"),
        ("01.01.2030", "error.date_future"),
        ("25.11.2008", "error.too_young"),  # 18 tomorrow
        ("01.01.1850", "error.date"),
    ],
)
def test_bad_dates_of_birth(typed: str, error: str) -> None:
    assert key(validate_date_of_birth(typed, now=NOW)) == error


def test_an_applicant_is_adult_on_the_eighteenth_birthday() -> None:
    assert validate_date_of_birth("24.11.2008", now=NOW) == date(2008, 11, 24)


def test_the_too_young_message_names_the_age() -> None:
    result = validate_date_of_birth("01.01.2015", now=NOW)
    assert isinstance(result, Invalid) and result.values == {"age": "18"}


def test_a_passport_cannot_be_issued_before_fourteen() -> None:
    assert key(validate_issue_date("01.01.1995", now=NOW, born=date(1990, 3, 5))) == "error.issue_date"
    assert validate_issue_date("12.08.2015", now=NOW, born=date(1990, 3, 5)) == date(2015, 8, 12)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("MP1234567", "MP1234567"), ("mp 1234567", "MP1234567"), ("МР1234567", "MP1234567"), ("ав-1234567", "AB1234567")],
)
def test_passport_numbers_tolerate_case_and_cyrillic_lookalikes(typed: str, expected: str) -> None:
    assert validate_passport_number(typed) == expected


@pytest.mark.parametrize("typed", ["M1234567", "MP123456", "MP12345678", "1234567MP", "ЖЖ1234567"])
def test_bad_passport_numbers(typed: str) -> None:
    assert key(validate_passport_number(typed)) == "error.passport"


@pytest.mark.parametrize(
    ("typed", "born"),
    [
        ("3170590A001PB5", date(1990, 5, 17)),
        ("3170590a001pb5", date(1990, 5, 17)),
        ("5010105А001РВ1", date(2005, 1, 1)),
    ],
)
def test_personal_id_numbers(typed: str, born: date) -> None:
    result = validate_personal_id(typed, born=born)
    assert isinstance(result, str) and len(result) == 14 and result.isupper()


@pytest.mark.parametrize(
    ("typed", "born", "error"),
    [
        ("3170590A001PB", None, "error.personal_id"),
        ("7170590A001PB5", None, "error.personal_id"),
        ("3310290A001PB5", None, "error.personal_id"),  # 31 February
        ("3170590A001PB5", date(1990, 5, 18), "error.personal_id_date"),
        ("5170590A001PB5", date(1990, 5, 17), "error.personal_id_date"),  # 5 = born 2000–2099
    ],
)
def test_bad_personal_id_numbers(typed: str, born: date | None, error: str) -> None:
    assert key(validate_personal_id(typed, born=born)) == error


@pytest.mark.parametrize(
    "typed",
    ["+375 29 123-45-67", "+375291234567", "375291234567", "8 029 123 45 67", "80291234567", "(29) 123-45-67"],
)
def test_belarus_mobile_numbers_become_e164(typed: str) -> None:
    assert validate_phone(typed) == "+375291234567"


@pytest.mark.parametrize(
    ("typed", "error"),
    [("+375 17 123-45-67", "error.phone_operator"), ("+7 916 123-45-67", "error.phone"), ("12345", "error.phone"),
     ("+375 29 123-45-6", "error.phone"), ("call me", "error.phone")],
)  # fmt: skip
def test_bad_phone_numbers(typed: str, error: str) -> None:
    assert key(validate_phone(typed)) == error


@pytest.mark.parametrize(
    ("typed", "minor", "currency"),
    [
        ("50", 5000, "BYN"),
        ("50,5", 5050, "BYN"),
        ("12.50 BYN", 1250, "BYN"),
        ("1 000,00", 100000, "BYN"),
        ("20 руб", 2000, "BYN"),
        ("20 рублей", 2000, "BYN"),
        ("$15", 1500, "USD"),
        ("15 евро", 1500, "EUR"),
        ("100 рос руб", 10000, "RUB"),
    ],
)
def test_amounts_become_minor_units(typed: str, minor: int, currency: str) -> None:
    result = validate_amount(typed, currencies=("BYN", "USD", "EUR", "RUB"), maximum=Decimal("5000"))
    assert result == {"minor": minor, "currency": currency, "text": f"{Decimal(minor) / 100:.2f} {currency}"}


@pytest.mark.parametrize(
    ("typed", "error"),
    [("ten", "error.amount"), ("1.234", "error.amount_decimals"), ("0", "error.amount_min"),
     ("5000.01", "error.amount_max"), ("10 USD", "error.currency"), ("-5", "error.amount"),
     ("10 bananas", "error.amount")],
)  # fmt: skip
def test_bad_amounts(typed: str, error: str) -> None:
    assert key(validate_amount(typed, maximum=Decimal("5000"))) == error


def test_amount_limits_are_shown_in_the_message() -> None:
    result = validate_amount("1", minimum=Decimal("5"))
    assert isinstance(result, Invalid) and result.values == {"min": "5.00 BYN"}


@pytest.mark.parametrize(
    "typed",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "5555555555554444",
        "9112000000000006",
        "4000000000000000006",  # 19 digits
        "4222222222222",  # 13 digits: a card of another bank may be that short
        "378282246310005",  # Amex, 15 digits
    ],
)
def test_card_numbers_with_a_valid_check_digit(typed: str) -> None:
    result = validate_card_number(typed)
    assert isinstance(result, str) and result.isdigit()


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("4111 1111 1111 1112", "error.card_luhn"),
        ("411111111111", "error.card_number"),  # 12 digits
        ("422222222222", "error.card_number"),  # 12 digits with a valid check digit: too short
        ("40000000000000000002", "error.card_number"),  # 20 digits with a valid check digit: too long
        ("4111x111", "error.card_number"),
    ],
)
def test_bad_card_numbers(typed: str, error: str) -> None:
    assert key(validate_card_number(typed)) == error


def test_a_card_number_is_found_inside_free_text() -> None:
    assert contains_card_number("send 20 to 4111 1111 1111 1111 please")
    assert not contains_card_number("my phone is +375291234567, order 1234567890123456")


@given(st.text(alphabet="0123456789", min_size=15, max_size=18))
def test_any_digit_run_completed_with_its_luhn_digit_is_a_card_number(prefix: str) -> None:
    digit = next(d for d in "0123456789" if luhn_valid(prefix + d))
    assert validate_card_number(prefix + digit) == prefix + digit


@pytest.mark.parametrize("typed", ["г. Минск, ул. Ленина, д. 5, кв. 12", "Minsk, Nezavisimosti ave 4-17"])
def test_addresses(typed: str) -> None:
    assert validate_address(typed) == typed


@pytest.mark.parametrize("typed", ["Minsk", "12345678901", "<script>alert(1)</script> 5", "x" * 201])
def test_bad_addresses(typed: str) -> None:
    assert key(validate_address(typed)) == "error.address"


def test_one_time_codes_and_payee_accounts() -> None:
    assert validate_otp("123 456") == "123456"
    assert key(validate_otp("12345")) == "error.otp"
    assert validate_account("+375 29 123-45-67") == "+375291234567"
    assert validate_account("ab-12345") == "AB12345"
    assert key(validate_account("??")) == "error.account"


def test_the_registry_turns_dates_into_iso_text_and_checks_the_id_against_the_birth_date() -> None:
    context = ValidationContext(now=NOW, data={"date_of_birth": "1990-05-17"})
    assert VALIDATORS["date_of_birth"]("17.05.1990", context) == "1990-05-17"
    assert VALIDATORS["personal_id"]("3170590A001PB5", context) == "3170590A001PB5"
    assert key(VALIDATORS["personal_id"]("3180590A001PB5", context)) == "error.personal_id_date"


def test_every_error_key_exists_in_every_language_with_the_same_placeholders() -> None:
    import inspect

    import messenger_bank.conversation.validation as module

    keys = set(__import__("re").findall(r'Invalid\("(error\.[a-z_]+)"', inspect.getsource(module)))
    assert keys
    for language, messages in catalogue().items():
        for error in keys:
            assert error in messages, (language, error)
            assert placeholders(messages[error]) == placeholders(catalogue()["en"][error])


# ---- sign-in: a card's last four digits and expiry
@pytest.mark.parametrize(("text", "expected"), [("1234", "1234"), (" 12 34 ", "1234"), ("**** 0042", "0042")])
def test_the_last_four_digits_are_read_as_written(text: str, expected: str) -> None:
    assert validate_last_four(text) == expected


@pytest.mark.parametrize("text", ["123", "12345", "abcd", "4111111111111111", ""])
def test_anything_but_four_digits_is_asked_again(text: str) -> None:
    assert validate_last_four(text) == Invalid("error.last_four")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("07/29", "07/29"), ("7/29", "07/29"), ("0729", "07/29"), ("07 2029", "07/29"), ("12.30", "12/30")],
)
def test_the_expiry_is_read_as_printed_on_the_card(text: str, expected: str) -> None:
    assert validate_expiry(text) == expected


@pytest.mark.parametrize("text", ["13/29", "00/29", "july", "07/2", ""])
def test_an_impossible_expiry_is_asked_again(text: str) -> None:
    assert validate_expiry(text) == Invalid("error.expiry")
