"""What a payment quote keeps for the journey and shows the customer, field by field: the payee as billing's
catalogue names it (80 characters at most), the account as the payee confirmed it, the card and account the
money comes from, no fee, and how long it lives."""

from __future__ import annotations

import pytest

from messenger_bank.errors import PayeeNotFound
from messenger_bank.payments.models import PaymentQuote, PaymentQuoteView
from tests.unit.payments.conftest import ACCOUNT, CARD, CUSTOMER, NOW, World
from tests.unit.payments.test_payment_rules import SETTINGS, UTILITIES, quote

LONG_NAMED = "300103"


def test_the_quote_keeps_the_payee_the_account_and_the_source_and_lives_for_the_quotes_ttl(world: World) -> None:
    view = quote(world, 4_250, payee_id=UTILITIES, account="123456789")

    kept = world.payments.get_quote(view.quote_id, CUSTOMER)
    assert kept == PaymentQuote(
        quote_id=view.quote_id, customer_id=CUSTOMER, service_code=UTILITIES, payee_name="Minskenergosbyt",
        category="utilities", account="123456789", source_card_id=CARD, source_mask="400011******0001",
        source_account_id=ACCOUNT, amount_minor=4_250, fee_minor=0, currency="BYN", created_at=NOW,
        expires_at=int(NOW.timestamp()) + SETTINGS.quote_ttl_seconds,
    )  # fmt: skip
    assert view == PaymentQuoteView(
        quote_id=view.quote_id, payee="Minskenergosbyt", account="123456789", amount_minor=4_250, fee_minor=0,
        total_minor=4_250, amount="42.50 BYN", fee="0.00 BYN", total="42.50 BYN", currency="BYN",
        otp_required=False, expires_at=int(NOW.timestamp()) + 1_800,
    )  # fmt: skip


def test_a_payee_name_longer_than_80_characters_is_kept_as_its_first_80(world: World) -> None:
    world.billing.more_payees.append(
        {"serviceCode": LONG_NAMED, "name": "T" * 81, "category": "tv", "accountLabel": "contract",
         "accountPattern": r"^\d{9}$", "hasAmountDue": False}
    )  # fmt: skip

    view = quote(world, 1_000, payee_id=LONG_NAMED, account="123456789")

    assert view.payee == world.payments.get_quote(view.quote_id, CUSTOMER).payee_name == "T" * 80


def test_a_service_code_missing_from_the_catalogue_is_refused_naming_it(world: World) -> None:
    with pytest.raises(PayeeNotFound) as refused:
        quote(world, 1_000, payee_id="999999")

    assert refused.value.details == {"payee_id": "999999"}
