"""The quote: fee, total and every limit, checked before anything moves."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from messenger_bank.errors import CardNotFound, InsufficientFunds, LimitExceeded
from messenger_bank.spending.repository import SpendingRepository
from messenger_bank.spending.service import bank_day
from messenger_bank.transfers.models import QuoteTransferRequest, TransferQuote
from messenger_bank.transfers.service import quote_transfer
from messenger_bank.transfers.settings import TransferSettings
from tests.unit.transfers.conftest import CUSTOMER, NOW, RECIPIENT_PAN, SETTINGS, World


def quote(world: World, amount_minor: int, *, token: str | None = None) -> TransferQuote:
    return quote_transfer(
        QuoteTransferRequest(
            customer_id=CUSTOMER,
            card_token=token or world.vault.add(RECIPIENT_PAN),
            amount_minor=amount_minor,
            currency="BYN",
        ),
        settings=SETTINGS,
        quotes=world.quotes,
        customers_repository=world.customers,
        vault=world.vault,  # type: ignore[arg-type]
        core=world.core,  # type: ignore[arg-type]
        clock=lambda: NOW,
    )


@pytest.mark.parametrize(
    ("amount", "fee"),
    [(1_000, 100), (6_667, 100), (10_000, 150), (12_345, 185), (400_000, 6_000)],
)
def test_the_fee_is_a_percentage_with_a_minimum(amount: int, fee: int) -> None:
    assert SETTINGS.fee(amount) == fee


def test_the_fee_may_be_capped() -> None:
    assert TransferSettings(fee_percent=Decimal(2), fee_max_minor=500).fee(100_000) == 500


def test_the_pricing_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "TRANSFER_FEE_PERCENT": "0.5",
        "TRANSFER_FEE_MIN_MINOR": "50",
        "TRANSFER_LIMIT_PER_TRANSFER_MINOR": "7",
    }.items():
        monkeypatch.setenv(name, value)
    settings = TransferSettings()

    assert (settings.fee_percent, settings.fee_min_minor, settings.limit_per_transfer_minor) == (Decimal("0.5"), 50, 7)


def test_a_quote_shows_the_fee_and_total_and_keeps_only_the_token_and_mask(world: World) -> None:
    answer = quote(world, 5_000)

    assert (answer.fee, answer.total, answer.otp_required) == ("1.00 BYN", "51.00 BYN", False)
    assert answer.mask == "411111******1111"
    stored = world.quotes.get(answer.quote_id, CUSTOMER)
    assert stored.total_minor == 5_100
    assert RECIPIENT_PAN not in str(world.quotes.table.scan()["Items"])


def test_a_quote_above_the_code_threshold_needs_a_one_time_code(world: World) -> None:
    world.core.balance_minor = 1_000_000

    assert quote(world, 100_000).otp_required is True


def test_a_total_above_the_balance_is_refused_before_anything_moves(world: World) -> None:
    world.core.balance_minor = 5_000

    with pytest.raises(InsufficientFunds):
        quote(world, 5_000)  # 50.00 + 1.00 fee
    assert world.core.calls == []


def test_a_total_above_the_per_transfer_limit_is_refused(world: World) -> None:
    world.core.balance_minor = 10_000_000

    with pytest.raises(LimitExceeded):
        quote(world, 495_000)


def test_what_was_spent_today_counts_against_the_daily_limit(world: World) -> None:
    world.core.balance_minor = 10_000_000
    counter = SpendingRepository(world.quotes.table)
    for operation, amount in (("payment:p1", 400_000), ("transfer:t1", 400_000), ("request:r1:pay:0", 100_000)):
        counter.reserve(CUSTOMER, operation, amount, day=bank_day(NOW), ceiling=10**9, now=0)
    counter.release(CUSTOMER, "request:r1:pay:0", now=0)  # given back: no longer counts
    # yesterday's spending does not count
    counter.reserve(CUSTOMER, "transfer:t0", 400_000, day=bank_day(NOW - timedelta(days=1)), ceiling=10**9, now=0)

    assert quote(world, 196_000).total_minor == 198_940  # 800 000 spent + 198 940 <= 1 000 000
    with pytest.raises(LimitExceeded):
        quote(world, 197_100)  # + 200 057


def test_an_unknown_recipient_token_is_a_card_not_found(world: World) -> None:
    with pytest.raises(CardNotFound) as raised:
        quote(world, 1_000, token="tok_unknown0000000000000000")

    assert type(raised.value) is CardNotFound  # the flow catches this very name
