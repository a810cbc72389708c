"""What a transfer quote keeps for the journey and shows the customer, field by field: the recipient's token and
mask (never the number), the card the money comes from, the amount and fee, whether a code is needed, and how
long it lives."""

from __future__ import annotations

from messenger_bank.transfers import service
from messenger_bank.transfers.models import Quote, TransferQuote, TransferState
from messenger_bank.transfers.settings import TransferSettings
from tests.unit.transfers.conftest import CUSTOMER, NOW, RECIPIENT_PAN, SETTINGS, SOURCE_CARD, World
from tests.unit.transfers.test_transfer_rules import RICH, quote


def test_the_quote_keeps_the_token_the_source_the_amounts_and_lives_for_the_quotes_ttl(world: World) -> None:
    world.core.balance_minor = RICH

    view = quote(world, 98_523)  # fee 1 477.845 → 1 478, total 100 001: a code is needed

    kept = world.quotes.get(view.quote_id, CUSTOMER)
    assert kept == Quote(
        quote_id=view.quote_id, customer_id=CUSTOMER, card_token=kept.card_token, mask="411111******1111",
        source_card_id=SOURCE_CARD, source_mask="400011******0001", amount_minor=98_523, fee_minor=1_478,
        currency="BYN", otp_required=True, created_at=NOW,
        expires_at=int(NOW.timestamp()) + SETTINGS.quote_ttl_seconds,
    )  # fmt: skip
    assert world.vault.numbers[kept.card_token] == RECIPIENT_PAN
    assert view == TransferQuote(
        quote_id=view.quote_id, mask="411111******1111", otp_required=True,
        expires_at=int(NOW.timestamp()) + 1_800, amount_minor=98_523, fee_minor=1_478, total_minor=100_001,
        amount="985.23 BYN", fee="14.78 BYN", total="1000.01 BYN", currency="BYN",
    )  # fmt: skip


def test_preparing_carries_the_quotes_code_decision_and_the_configured_wait_for_confirm(world: World) -> None:
    world.core.balance_minor = RICH
    quote_id = quote(world, 98_523).quote_id  # total 100 001: a code is needed
    patient = TransferSettings.model_validate({**SETTINGS.model_dump(), "confirm_timeout_seconds": 600})
    state = TransferState(quote_id=quote_id, customer_id=CUSTOMER, chat_key="telegram:1", transfer_id="t-1")

    prepared = service.prepare_transfer(state, settings=patient, quotes=world.quotes, clock=lambda: NOW)

    assert (prepared.otp_required, prepared.confirm_timeout_seconds) == (True, 600)
