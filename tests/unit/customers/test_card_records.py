"""A card reads back as it was recorded: each of its kind, scheme and status, not the defaults a new virtual Visa
card has."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from messenger_bank.customers.models import Card
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import cards_of, record_card

ISSUED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("kind", "plastic", id="a plastic card read back as virtual"),
        pytest.param("scheme", "mastercard", id="a Mastercard read back as Visa"),
        pytest.param("status", "blocked", id="a blocked card read back as active"),
        pytest.param("status", "closed", id="a closed card read back as active"),
    ],
)
def test_a_card_reads_back_with_what_was_recorded(customers: CustomersRepository, field: str, value: str) -> None:
    card = Card.model_validate(
        {
            "card_id": "card-1",
            "customer_id": "c_1",
            "mask": "5100 00** **** 0008",
            "expiry": "11/29",
            "issued_at": ISSUED,
            field: value,
        }
    )

    record_card(card, repository=customers)

    [read] = cards_of("c_1", repository=customers)
    assert getattr(read, field) == value
    assert read == card
