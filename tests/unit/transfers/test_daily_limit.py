"""The daily limit counts what left the account since the bank's midnight, as far back as the bank's history
reaches (its newest 100 operations), less what was refunded, and never less than nothing. Settings here: the
daily limit is 51.00 BYN, the total of a 50.00 transfer (1.00 fee), so one kopeck decides."""

from __future__ import annotations

import pytest

from messenger_bank.banking.models import HistoryEntry
from messenger_bank.errors import LimitExceeded
from messenger_bank.transfers.settings import TransferSettings
from tests.unit.transfers.conftest import NOW, SETTINGS, World
from tests.unit.transfers.test_transfer_rules import quote

DAY_OF_51 = TransferSettings.model_validate({**SETTINGS.model_dump(), "limit_per_day_minor": 5_100})
RICH = 10_000_000


def today(amount_minor: int, kind: str = "debit") -> HistoryEntry:
    return HistoryEntry(operation_id="o1", kind=kind, amount=amount_minor, currency="BYN", created_at=NOW)


def test_with_nothing_spent_today_a_total_equal_to_the_daily_limit_is_allowed(world: World) -> None:
    world.core.balance_minor = RICH

    assert quote(world, 5_000, settings=DAY_OF_51).total_minor == 5_100


def test_with_nothing_spent_today_a_total_one_kopeck_above_the_daily_limit_is_refused(world: World) -> None:
    world.core.balance_minor = RICH

    with pytest.raises(LimitExceeded) as refused:
        quote(world, 5_001, settings=DAY_OF_51)  # fee 1.00, total 51.01
    assert refused.value.details["limit"] == "per_day"


def test_a_refund_today_of_yesterdays_spending_does_not_raise_todays_limit(world: World) -> None:
    world.core.balance_minor = RICH
    world.core.history_entries = [today(1_000, kind="refund")]  # what it gives back was spent yesterday

    with pytest.raises(LimitExceeded):
        quote(world, 5_001, settings=DAY_OF_51)


def test_money_out_as_far_back_as_the_hundredth_newest_operation_counts(world: World) -> None:
    world.core.balance_minor = RICH
    world.core.history_entries = [today(50, kind="credit")] * 99 + [today(-1)]  # the oldest of 100: 0.01 out

    with pytest.raises(LimitExceeded):
        quote(world, 5_000, settings=DAY_OF_51)


@pytest.mark.parametrize("kind", ["credit", "transfer", "bonus"])
def test_money_coming_in_of_any_kind_does_not_free_the_daily_limit(world: World, kind: str) -> None:
    world.core.balance_minor = RICH
    world.core.history_entries = [today(-1), today(1_000, kind=kind)]

    with pytest.raises(LimitExceeded):
        quote(world, 5_000, settings=DAY_OF_51)
