"""Which of the customer's cards a transfer is sent from: an active one, a virtual card before a plastic one,
and of two alike the one issued first; the quote keeps it, and the debit takes the money from it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messenger_bank.customers.models import Card as CustomerCard
from tests.unit.transfers.conftest import CUSTOMER, NOW, SOURCE_CARD, World
from tests.unit.transfers.test_transfer_rules import quote

# The world's own card: SOURCE_CARD, virtual, active, issued NOW, mask 400011******0001.


def another_card(world: World, *, kind: str, days_older: int, status: str = "active") -> None:
    world.customers.put_card(
        CustomerCard(
            card_id="card-other", customer_id=CUSTOMER, mask="400011******0002", expiry="03/31",
            kind=kind, status=status, issued_at=NOW - timedelta(days=days_older),  # type: ignore[arg-type]
        )
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "days_older", "status", "sent_from"),
    [
        ("plastic", 30, "active", (SOURCE_CARD, "400011******0001")),  # virtual first, though newer
        ("virtual", 30, "active", ("card-other", "400011******0002")),  # of two virtual cards, the first issued
        ("virtual", -30, "active", (SOURCE_CARD, "400011******0001")),  # ...both ways round
        ("virtual", 30, "blocked", (SOURCE_CARD, "400011******0001")),  # a blocked card sends nothing
    ],
)
def test_the_transfer_is_sent_from_the_first_active_virtual_card(
    world: World, kind: str, days_older: int, status: str, sent_from: tuple[str, str]
) -> None:
    another_card(world, kind=kind, days_older=days_older, status=status)

    kept = world.quotes.get(quote(world, 5_000).quote_id, CUSTOMER)

    assert (kept.source_card_id, kept.source_mask) == sent_from
