"""What the conversation takes for a card number in a text (a message to delete, a value a journey must
not carry): payment cards, not the messengers' own ids."""

from __future__ import annotations

import pytest

from messenger_bank.cardnumbers import luhn_valid
from messenger_bank.conversation.validation import contains_card_number


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111",
        "5500-0000-0000-0004",
        "pay 9112000000000006 now",
        "2221000000000009",
        "to 4222222222222 please",  # 13 digits: the same lengths as the card-number prompt accepts
    ],
)
def test_payment_cards_are_found_in_a_text(text: str) -> None:
    assert contains_card_number(text)


def test_a_messenger_page_scoped_id_that_passes_the_luhn_check_is_not_a_card() -> None:
    psid = "7000000077000003"  # the local Messenger's id of a chat-page user; 16 digits, Luhn-valid
    assert luhn_valid(psid)

    assert not contains_card_number(f"messenger:{psid}")
