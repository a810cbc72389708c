"""Each rule of a transfer, tested from a valid quote or step with one thing changed, on both sides of
every boundary. Expected amounts are worked out by hand here (the comments show the sums), never with
the settings' own fee function. SETTINGS: 1.5 %, at least 1.00 BYN, 5 000.00 per transfer, 10 000.00
a day, a code above 1 000.00."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from messenger_bank.banking.models.core import RefundRequest
from messenger_bank.customers.models import Card as CustomerCard
from messenger_bank.errors import (
    CardNotFound,
    IdempotencyConflict,
    InsufficientFunds,
    LimitExceeded,
    OperationRejected,
)
from messenger_bank.spending.repository import SpendingRepository
from messenger_bank.spending.service import bank_day
from messenger_bank.transfers import service
from messenger_bank.transfers.errors import QuoteAlreadyUsed, QuoteNotFound
from messenger_bank.transfers.models import QuoteTransferRequest, TransferQuote, TransferState
from messenger_bank.transfers.settings import TransferSettings
from tests.unit.transfers.conftest import CUSTOMER, NOW, RECIPIENT_PAN, SETTINGS, SOURCE_CARD, World
from tests.unit.transfers.test_journey_steps import credit, debit, prepared, refund

RICH = 10_000_000


def quote(
    world: World, amount_minor: int, *, settings: TransferSettings = SETTINGS, currency: str = "BYN"
) -> TransferQuote:
    return service.quote_transfer(
        QuoteTransferRequest(
            customer_id=CUSTOMER,
            card_token=world.vault.add(RECIPIENT_PAN),
            amount_minor=amount_minor,
            currency=currency,
        ),
        settings=settings,
        quotes=world.quotes,
        customers_repository=world.customers,
        vault=world.vault,  # type: ignore[arg-type]
        core=world.core,  # type: ignore[arg-type]
        clock=lambda: NOW,
    )


def spent_today(
    world: World, amount_minor: int, *, at: timedelta = timedelta(0), operation: str = "transfer:earlier"
) -> None:
    """Money out already counted by the step-up policy (spending/), on the bank's day of NOW + at."""
    SpendingRepository(world.quotes.table).reserve(
        CUSTOMER, operation, amount_minor, day=bank_day(NOW + at), ceiling=10**9, now=0
    )


# --- the fee --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        (7_100, 107),  # 106.5 rounds half up (half-even would give 106)
        (7_099, 106),  # 106.485 rounds down
        (6_700, 101),  # 100.5: just above the minimum, the percentage itself
        (6_666, 100),  # 99.99: the minimum, not the percentage
        (1, 100),  # the smallest amount still pays the minimum
    ],
)
def test_the_fee_is_one_and_a_half_percent_rounded_half_up_but_never_below_one_rouble(amount: int, fee: int) -> None:
    assert SETTINGS.fee(amount) == fee


@pytest.mark.parametrize(("amount", "fee"), [(24_950, 499), (25_000, 500), (25_050, 500)])
def test_a_capped_fee_stops_at_the_cap_and_not_before(amount: int, fee: int) -> None:
    # 2 %: 499.00, 500.00, 501.00 → capped at 500
    assert TransferSettings(fee_percent=Decimal(2), fee_min_minor=0, fee_max_minor=500).fee(amount) == fee


def test_the_quote_shows_amount_fee_and_total_in_roubles_and_kopecks(world: World) -> None:
    world.core.balance_minor = RICH

    answer = quote(world, 7_100)

    assert (answer.amount_minor, answer.fee_minor, answer.total_minor) == (7_100, 107, 7_207)
    assert (answer.amount, answer.fee, answer.total) == ("71.00 BYN", "1.07 BYN", "72.07 BYN")


# --- limits and the balance ----------------------------------------------------------------------------------
def test_a_total_exactly_at_the_per_transfer_limit_is_allowed(world: World) -> None:
    world.core.balance_minor = RICH

    assert quote(world, 492_611).total_minor == 500_000  # fee 7 389.165 → 7 389


def test_a_total_one_kopeck_above_the_per_transfer_limit_is_refused(world: World) -> None:
    world.core.balance_minor = RICH

    with pytest.raises(LimitExceeded) as refused:
        quote(world, 492_612)  # fee 7 389.18 → 7 389, total 500 001
    assert refused.value.details["limit"] == "per_transfer"


def test_a_total_that_reaches_the_daily_limit_exactly_is_allowed(world: World) -> None:
    world.core.balance_minor = RICH
    spent_today(world, 994_900)

    assert quote(world, 5_000).total_minor == 5_100  # 994 900 + 5 100 = 1 000 000


def test_a_total_one_kopeck_above_the_daily_limit_is_refused(world: World) -> None:
    world.core.balance_minor = RICH
    spent_today(world, 994_901)

    with pytest.raises(LimitExceeded) as refused:
        quote(world, 5_000)
    assert refused.value.details["limit"] == "per_day"


@pytest.mark.parametrize("operation", ["transfer:t1", "payment:p1", "request:r1:pay:0"])
def test_every_kind_of_money_out_counts_against_the_daily_limit(world: World, operation: str) -> None:
    world.core.balance_minor = RICH
    spent_today(world, 994_901, operation=operation)

    with pytest.raises(LimitExceeded):
        quote(world, 5_000)


def test_money_given_back_today_no_longer_counts_against_the_daily_limit(world: World) -> None:
    world.core.balance_minor = RICH
    spent_today(world, 994_900)
    spent_today(world, 1, operation="transfer:refunded")
    SpendingRepository(world.quotes.table).release(CUSTOMER, "transfer:refunded", now=0)

    assert quote(world, 5_000).total_minor == 5_100


def test_the_day_starts_at_midnight_in_minsk_not_in_utc(world: World) -> None:
    world.core.balance_minor = RICH
    minsk_midnight = -timedelta(hours=15)  # NOW is 12:00 UTC = 15:00 in Minsk
    spent_today(world, 994_901, at=minsk_midnight)

    with pytest.raises(LimitExceeded):
        quote(world, 5_000)


def test_what_was_spent_the_second_before_midnight_in_minsk_is_yesterdays(world: World) -> None:
    world.core.balance_minor = RICH
    spent_today(world, 994_901, at=-timedelta(hours=15, seconds=1))

    assert quote(world, 5_000).total_minor == 5_100


def test_a_balance_equal_to_the_total_is_enough(world: World) -> None:
    world.core.balance_minor = 5_100

    assert quote(world, 5_000).total_minor == 5_100


def test_a_balance_one_kopeck_below_the_total_is_insufficient(world: World) -> None:
    world.core.balance_minor = 5_099

    with pytest.raises(InsufficientFunds):
        quote(world, 5_000)


def test_a_total_exactly_at_the_code_threshold_needs_no_code(world: World) -> None:
    world.core.balance_minor = RICH

    answer = quote(world, 98_522)  # fee 1 477.83 → 1 478, total 100 000

    assert (answer.total_minor, answer.otp_required) == (100_000, False)


def test_a_total_one_kopeck_above_the_code_threshold_needs_a_code(world: World) -> None:
    world.core.balance_minor = RICH

    answer = quote(world, 98_523)  # fee 1 477.845 → 1 478, total 100 001

    assert (answer.total_minor, answer.otp_required) == (100_001, True)


def test_a_transfer_in_another_currency_is_refused_before_anything_is_asked(world: World) -> None:
    with pytest.raises(OperationRejected) as refused:
        quote(world, 5_000, currency="USD")

    assert refused.value.details["code"] == "currency_not_supported"
    assert world.core.calls == []


def test_a_customer_whose_only_card_is_blocked_has_no_card_to_send_from(world: World) -> None:
    world.customers.put_card(
        CustomerCard(
            card_id=SOURCE_CARD, customer_id=CUSTOMER, mask="400011******0001", expiry="03/31", issued_at=NOW,
            status="blocked",
        )
    )  # fmt: skip

    with pytest.raises(CardNotFound):
        quote(world, 5_000)


# --- the quote: one transfer, before it expires, the customer's own -------------------------------------------
def claim(world: World, quote_id: str, *, seconds_later: int, customer_id: str = CUSTOMER) -> TransferState:
    state = TransferState(quote_id=quote_id, customer_id=customer_id, chat_key="telegram:1", transfer_id="t-1")
    later = NOW + timedelta(seconds=seconds_later)
    return service.prepare_transfer(state, settings=SETTINGS, quotes=world.quotes, clock=lambda: later)


def test_a_quote_can_start_its_transfer_in_the_last_second_before_it_expires(world: World) -> None:
    answer = quote(world, 5_000)

    assert claim(world, answer.quote_id, seconds_later=SETTINGS.quote_ttl_seconds - 1).total == "51.00 BYN"


def test_a_quote_cannot_start_a_transfer_once_it_expires(world: World) -> None:
    answer = quote(world, 5_000)

    with pytest.raises(QuoteNotFound):
        claim(world, answer.quote_id, seconds_later=SETTINGS.quote_ttl_seconds)


def test_another_customers_quote_cannot_start_a_transfer_nor_spoil_it(world: World) -> None:
    answer = quote(world, 5_000)

    with pytest.raises(QuoteNotFound):
        claim(world, answer.quote_id, seconds_later=0, customer_id="cus-other")
    assert claim(world, answer.quote_id, seconds_later=0).quote_id == answer.quote_id


def test_a_quote_claimed_by_one_transfer_cannot_back_a_second(world: World) -> None:
    state = prepared(world, transfer_id="transfer-abc-1")

    with pytest.raises(QuoteAlreadyUsed):
        service.prepare_transfer(
            state.model_copy(update={"transfer_id": "transfer-abc-2"}), quotes=world.quotes, clock=lambda: NOW
        )


def test_a_step_run_for_another_customer_finds_no_quote_and_moves_nothing(world: World) -> None:
    state = prepared(world).model_copy(update={"customer_id": "cus-other"})

    with pytest.raises(QuoteNotFound):
        debit(world, state)
    assert world.core.balance_minor == 100_000 and world.core.calls == []


# --- money moves once ------------------------------------------------------------------------------------------
def test_the_debit_takes_the_total_from_the_customers_card_once(world: World) -> None:
    state = debit(world, prepared(world))
    again = debit(world, state)

    assert again.debit_id == state.debit_id
    assert world.core.balance_minor == 100_000 - 5_100  # 50.00 + 1.00 fee, once
    assert world.core.replays.conflicts == []  # the retry carried the same body as the first call


def test_a_transfer_id_reused_with_another_quote_is_a_conflict_and_moves_nothing_more(world: World) -> None:
    first = debit(world, prepared(world, amount=5_000, transfer_id="transfer-abc-1"))
    other = prepared(world, amount=7_000, transfer_id="transfer-abc-1")

    with pytest.raises(IdempotencyConflict):
        debit(world, other)
    assert first.debit_id is not None
    assert world.core.balance_minor == 100_000 - 5_100


def test_the_credit_gives_the_recipient_the_amount_without_the_fee(world: World) -> None:
    done = credit(world, debit(world, prepared(world)))

    assert (done.outcome, world.core.credited) == ("completed", 5_000)
    assert world.core.settled[done.debit_id or ""] == 5_000  # the fee, 100, stays in transit


def test_a_credit_without_its_debit_moves_nothing(world: World) -> None:
    with pytest.raises(ValueError, match="needs the debit"):
        credit(world, prepared(world))
    assert world.core.credited == 0


def test_a_refund_gives_back_the_whole_total_exactly_once(world: World) -> None:
    state = debit(world, prepared(world))

    refund(world, state)
    refund(world, state)

    assert world.core.balance_minor == 100_000
    assert world.core.calls.count("transfer:transfer-abc-1:refund") == 2  # asked twice, paid once


def test_voiding_a_debit_whose_key_the_bank_knows_with_another_body_raises_and_claims_nothing(world: World) -> None:
    debit(world, prepared(world, amount=5_000, transfer_id="transfer-abc-1"))
    other = prepared(world, amount=7_000, transfer_id="transfer-abc-1")  # no debit id: the void path

    with pytest.raises(IdempotencyConflict):
        refund(world, other)
    assert world.core.balance_minor == 100_000 - 5_100  # not "not_debited", and nothing refunded


def test_voiding_a_debit_someone_else_settled_is_not_reported_as_a_completed_transfer(world: World) -> None:
    state = prepared(world)
    world.core.lose_next_answer.add("transfer:transfer-abc-1:debit")
    with pytest.raises(TimeoutError):
        debit(world, state)
    debit_id = next(iter(world.core.debits))
    world.core.refund(RefundRequest(debit_id=debit_id, idempotency_key="elsewhere:refund"))

    with pytest.raises(OperationRejected) as refused:
        refund(world, state)
    assert refused.value.details["code"] == "debit_already_settled"
    assert world.core.credited == 0


def test_a_refund_the_bank_refuses_for_another_reason_is_not_reported_as_a_completed_transfer(world: World) -> None:
    state = debit(world, prepared(world)).model_copy(update={"debit_id": "op-unknown"})

    with pytest.raises(OperationRejected) as refused:
        refund(world, state)
    assert refused.value.details["code"] == "operation_not_found"
    assert world.core.credited == 0


def test_the_bank_is_asked_for_exactly_what_the_quote_says_under_keys_from_the_transfer(world: World) -> None:
    done = credit(world, debit(world, prepared(world)))

    sent = {scope_key: json.loads(body) for scope_key, (body, _) in world.core.replays.kept.items()}
    assert sent == {
        ("debit", "transfer:transfer-abc-1:debit"): {
            "card_id": SOURCE_CARD, "account_id": None, "amount": 5_100, "currency": "BYN",
            "reference": "transfer-abc-1", "counterparty": "411111******1111",  # the recipient, in the sender's history
        },
        ("credit", "transfer:transfer-abc-1:credit"): {
            "card_id": None, "account_id": None, "pan": RECIPIENT_PAN, "debit_id": done.debit_id, "source": None,
            "amount": 5_000, "currency": "BYN", "reference": "transfer-abc-1",
            "counterparty": "400011******0001",  # the sender, in the recipient's history
        },
    }  # fmt: skip
