"""A customer's message as an operator reads it: what the logs hide is hidden, and so is a code typed alone
(3 to 8 digits); an amount with kopecks, a card's mask, a longer number and a word with digits stay as they are."""

from __future__ import annotations

import pytest

from messenger_bank.security.logging import REDACTED, redact_chat_text


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("код 123456", f"код {REDACTED}"),
        ("cvv 123", f"cvv {REDACTED}"),
        ("12345678", REDACTED),
        ("pin: 4829 thanks", f"pin: {REDACTED} thanks"),
        ("мой паспорт MP1234567", "мой паспорт [redacted]"),
        ("карта 4111 1111 1111 1111", "карта 411111******1111"),
    ],
)
def test_codes_and_what_the_logs_hide_are_hidden(said: str, shown: str) -> None:
    assert redact_chat_text(said) == shown


@pytest.mark.parametrize(
    "said",
    [
        "заплатил 12.50 BYN",  # an amount with kopecks
        "12,50",
        "карта 411111******1111",  # a mask already
        "номер 123456789",  # nine digits: not a code
        "звоните в 8 или 10",  # one or two digits
        "квартира 12a",
        "v2024",
    ],
)
def test_what_is_not_a_code_stays(said: str) -> None:
    assert redact_chat_text(said) == said
