"""Transfer quotes in the customers table: a quote reads back exactly as it was kept; claiming one binds it to
its transfer and keeps it a day from the claim; refusals name the quote."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messenger_bank.transfers import service
from messenger_bank.transfers.errors import QuoteAlreadyUsed, QuoteNotFound
from messenger_bank.transfers.models import Quote
from tests.unit.transfers.conftest import CUSTOMER, NOW, SOURCE_CARD, World
from tests.unit.transfers.test_transfer_rules import claim, quote

DAY = 24 * 3600


def test_a_quote_reads_back_exactly_as_it_was_kept(world: World) -> None:
    kept = Quote(
        quote_id="q-" + "b" * 32, customer_id=CUSTOMER, card_token="tok_" + "0" * 22, mask="411111******1111",
        source_card_id=SOURCE_CARD, source_mask="400011******0001", amount_minor=5_000, fee_minor=100,
        currency="BYN", otp_required=True, created_at=NOW, expires_at=int(NOW.timestamp()) + 60,
        transfer_id="transfer-abc-1",
    )  # fmt: skip
    world.quotes.put(kept)

    assert world.quotes.get(kept.quote_id, CUSTOMER) == kept


def test_a_claimed_quote_names_its_transfer_and_is_kept_a_day_from_the_claim(world: World) -> None:
    quote_id = quote(world, 5_000).quote_id

    claim(world, quote_id, seconds_later=10)

    kept = world.quotes.get(quote_id, CUSTOMER)
    later = NOW + timedelta(seconds=10)
    assert (kept.transfer_id, kept.expires_at) == ("t-1", int(later.timestamp()) + DAY)


def test_a_quote_taken_by_another_transfer_is_refused_naming_the_quote(world: World) -> None:
    quote_id = quote(world, 5_000).quote_id
    state = claim(world, quote_id, seconds_later=0)

    with pytest.raises(QuoteAlreadyUsed) as refused:
        service.prepare_transfer(
            state.model_copy(update={"transfer_id": "t-2"}), quotes=world.quotes, clock=lambda: NOW
        )
    assert refused.value.details == {"quote_id": quote_id}


@pytest.mark.parametrize(("gone", "customer_id"), [(True, CUSTOMER), (False, "cus-other")])
def test_a_quote_gone_or_not_the_customers_is_refused_naming_the_quote(
    world: World, gone: bool, customer_id: str
) -> None:
    quote_id = quote(world, 5_000).quote_id
    if gone:  # its TTL passed and DynamoDB removed it
        world.quotes.table.delete_item(Key={"pk": f"QUOTE#{quote_id}", "sk": "QUOTE"})

    with pytest.raises(QuoteNotFound) as claiming:
        claim(world, quote_id, seconds_later=0, customer_id=customer_id)
    with pytest.raises(QuoteNotFound) as reading:
        world.quotes.get(quote_id, customer_id)
    assert claiming.value.details == reading.value.details == {"quote_id": quote_id}
