"""Payment quotes in the customers table: a quote reads back exactly as it was kept; claiming one binds it to
its payment and keeps it a day from the claim; refusals name the quote; the prepared state shows the payee."""

from __future__ import annotations

import pytest

from messenger_bank.payments.errors import PaymentQuoteAlreadyUsed, PaymentQuoteNotFound
from messenger_bank.payments.models import PaymentQuote
from tests.unit.payments.conftest import ACCOUNT, CARD, CUSTOMER, MTS, NOW, PHONE, World
from tests.unit.payments.test_payment_rules import claim, quote

DAY = 24 * 3600


def test_a_quote_reads_back_exactly_as_it_was_kept(world: World) -> None:
    kept = PaymentQuote(
        quote_id="pq-" + "b" * 32, customer_id=CUSTOMER, service_code=MTS, payee_name="MTS", category="mobile",
        account=PHONE, source_card_id=CARD, source_mask="400011******0001", source_account_id=ACCOUNT,
        amount_minor=1_500, fee_minor=25, currency="BYN", created_at=NOW, expires_at=int(NOW.timestamp()) + 60,
        payment_id="bill_payment-abc-1",
    )  # fmt: skip
    world.payments.put_quote(kept)

    assert world.payments.get_quote(kept.quote_id, CUSTOMER) == kept


def test_a_claimed_quote_names_its_payment_and_is_kept_a_day_from_the_claim(world: World) -> None:
    quote_id = quote(world, 1_500).quote_id

    claim(world, quote_id, seconds=10)

    kept = world.payments.get_quote(quote_id, CUSTOMER)
    assert (kept.payment_id, kept.expires_at) == ("bill_payment-abc-1", int(NOW.timestamp()) + 10 + DAY)


def test_the_prepared_state_shows_the_payee_the_masked_account_and_the_amounts(world: World) -> None:
    state = claim(world, quote(world, 1_500).quote_id)

    assert (state.payee, state.account, state.amount, state.fee, state.total) == (
        "MTS", "+375***567", "15.00 BYN", "0.00 BYN", "15.00 BYN",
    )  # fmt: skip


def test_a_quote_taken_by_another_payment_is_refused_naming_the_quote(world: World) -> None:
    quote_id = quote(world, 1_500).quote_id
    claim(world, quote_id)

    with pytest.raises(PaymentQuoteAlreadyUsed) as refused:
        claim(world, quote_id, payment_id="bill_payment-xyz-1")
    assert refused.value.details == {"quote_id": quote_id}


def test_a_quote_gone_is_refused_naming_the_quote(world: World) -> None:
    quote_id = quote(world, 1_500).quote_id

    with pytest.raises(PaymentQuoteNotFound) as refused:
        claim(world, quote_id, customer_id="cus-other")
    assert refused.value.details == {"quote_id": quote_id}


def test_a_quote_is_kept_where_the_tables_layout_says_and_dynamodb_expires_it_by_its_ttl(world: World) -> None:
    view = quote(world, 1_500)

    item = world.payments.table.get_item(Key={"pk": f"PAYQUOTE#{view.quote_id}", "sk": "QUOTE"})["Item"]
    described = world.payments.table.meta.client.describe_time_to_live(TableName=world.payments.table.name)
    assert described["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    assert item["expires_at"] == view.expires_at
