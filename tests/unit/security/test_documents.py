"""What counts as personal numbers in a chat's text (sealed before the inbound queue): card numbers of 13 to
19 digits however grouped, Belarusian passport and personal numbers however typed; and what does not."""

from __future__ import annotations

import pytest

from messenger_bank.security.documents import holds_document_number, holds_personal_numbers


@pytest.mark.parametrize(
    "text",
    [
        "4222222222222",  # 13 digits, the shortest card
        "моя карта 3782 822463 10005",  # 15 digits (Amex), grouped as printed
        "4111-1111-1111-1111",
        "6222020000000000000",  # 19 digits, the longest
        "паспорт MP1234567",
        "мр 123 45 67",  # Cyrillic look-alikes, lower case, spaced
        "KH-7654321",
        "3170590A001PB5",
        "личный 3170590 a 001 pb5",
    ],
)
def test_card_and_document_numbers_are_found(text: str) -> None:
    assert holds_personal_numbers(text)


@pytest.mark.parametrize(
    "text",
    [
        "422222222222",  # 12 digits, Luhn-valid: one short of a card
        "4222222222223",  # 13 digits, the check digit wrong
        "+375291234567",  # a phone number
        "7000000077000003",  # a Messenger page-scoped id: Luhn-valid, not a card's range
        "M1234567",  # one letter
        "MP123456",  # six digits
        "2170590A001PB5",  # a personal number starts with 3 to 6
        "перевести 50 рублей",
    ],
)
def test_what_is_not_a_card_or_document_number_is_not_found(text: str) -> None:
    assert not holds_personal_numbers(text)


def test_a_document_number_is_found_on_its_own_without_a_card() -> None:
    assert holds_document_number("MP1234567") and not holds_document_number("4111111111111111")
