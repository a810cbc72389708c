"""The step-up policy, each case one thing changed from a valid operation, on both sides of every
boundary: 1 000.00 BYN a day free of a code, 10 000.00 a day at most (POLICY)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from messenger_bank.errors import InvalidOneTimeCode
from messenger_bank.spending import service
from messenger_bank.spending.errors import CodeRequired, DailyLimitExceeded
from messenger_bank.spending.settings import SpendingSettings
from tests.unit.spending.conftest import CUSTOMER, NOW, OTHER, PHONE, POLICY, World


def reserve(world: World, operation: str, amount: int, *, code_checked: bool = False, at: datetime = NOW) -> None:
    service.reserve(
        CUSTOMER,
        operation,
        amount,
        code_checked=code_checked,
        settings=POLICY,
        repository=world.spending,
        clock=lambda: at,
    )


def spent(world: World, at: datetime = NOW) -> int:
    return world.spending.spent(CUSTOMER, service.bank_day(at))


def needs_code(world: World, amount: int) -> bool:
    return service.needs_code(CUSTOMER, amount, settings=POLICY, repository=world.spending, clock=lambda: NOW)


# --- the rule ---------------------------------------------------------------------------------------
def test_todays_money_out_reaching_the_free_amount_exactly_needs_no_code() -> None:
    assert service.code_needed(40_000, 60_000, POLICY) is False


def test_one_kopeck_past_the_free_amount_needs_a_code() -> None:
    assert service.code_needed(40_000, 60_001, POLICY) is True


def test_one_operation_above_the_free_amount_alone_needs_a_code() -> None:
    assert service.code_needed(0, 100_001, POLICY) is True


def test_todays_money_out_reaching_the_daily_limit_exactly_is_allowed() -> None:
    assert service.code_needed(900_000, 100_000, POLICY) is True


def test_one_kopeck_past_the_daily_limit_is_refused() -> None:
    with pytest.raises(DailyLimitExceeded) as refused:
        service.code_needed(900_000, 100_001, POLICY)
    assert refused.value.details["limit"] == "per_day"


def test_the_quote_reads_what_was_counted_today(world: World) -> None:
    reserve(world, "transfer:t1", 99_000)

    assert (needs_code(world, 1_000), needs_code(world, 1_001)) == (False, True)


def test_the_day_is_minsks_a_second_before_its_midnight_is_the_day_before() -> None:
    minsk_midnight = datetime(2026, 3, 2, 21, 0, tzinfo=NOW.tzinfo)  # 00:00 on 3 March in Minsk
    assert service.bank_day(minsk_midnight) == "2026-03-03"
    assert service.bank_day(minsk_midnight - timedelta(seconds=1)) == "2026-03-02"


def test_yesterdays_money_out_does_not_count_today(world: World) -> None:
    reserve(world, "transfer:t1", 100_000, at=NOW - timedelta(days=1))

    assert needs_code(world, 100_000) is False


def test_a_free_amount_above_the_daily_limit_is_a_configuration_error() -> None:
    with pytest.raises(ValidationError):
        SpendingSettings(free_per_day_minor=1_000_001, limit_per_day_minor=1_000_000)


def test_the_amounts_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDING_FREE_PER_DAY_MINOR", "7")
    monkeypatch.setenv("SPENDING_LIMIT_PER_DAY_MINOR", "9")

    assert (SpendingSettings().free_per_day_minor, SpendingSettings().limit_per_day_minor) == (7, 9)


# --- the debit's reservation ----------------------------------------------------------------------
def test_without_a_code_money_out_may_reach_the_free_amount_exactly(world: World) -> None:
    reserve(world, "transfer:t1", 60_000)
    reserve(world, "payment:p1", 40_000)

    assert spent(world) == 100_000


def test_without_a_code_one_kopeck_past_the_free_amount_is_refused_and_counts_nothing(world: World) -> None:
    reserve(world, "transfer:t1", 60_000)

    with pytest.raises(CodeRequired):
        reserve(world, "payment:p1", 40_001)
    assert spent(world) == 60_000


def test_a_quote_made_before_other_money_went_out_is_refused_at_the_debit(world: World) -> None:
    assert needs_code(world, 90_000) is False  # two quotes at once, each under the free amount
    assert needs_code(world, 90_000) is False
    reserve(world, "transfer:t1", 90_000)

    with pytest.raises(CodeRequired):
        reserve(world, "transfer:t2", 90_000)


def test_without_a_code_the_days_first_operation_above_the_free_amount_is_refused(world: World) -> None:
    with pytest.raises(CodeRequired):
        reserve(world, "transfer:t1", 100_001)
    assert spent(world) == 0


def test_without_a_code_the_days_first_operation_at_the_free_amount_is_counted(world: World) -> None:
    reserve(world, "transfer:t1", 100_000)

    assert spent(world) == 100_000


def test_with_a_code_the_days_first_operation_above_the_daily_limit_is_refused(world: World) -> None:
    with pytest.raises(DailyLimitExceeded):
        reserve(world, "transfer:t1", 1_000_001, code_checked=True)
    assert spent(world) == 0


def test_with_a_checked_code_money_out_may_reach_the_daily_limit_exactly(world: World) -> None:
    reserve(world, "transfer:t1", 100_000)
    reserve(world, "transfer:t2", 900_000, code_checked=True)

    assert spent(world) == 1_000_000


def test_with_a_checked_code_one_kopeck_past_the_daily_limit_is_refused(world: World) -> None:
    reserve(world, "transfer:t1", 100_000)

    with pytest.raises(DailyLimitExceeded):
        reserve(world, "transfer:t2", 900_001, code_checked=True)
    assert spent(world) == 100_000


def test_past_the_daily_limit_a_code_would_not_help_so_the_refusal_says_limit(world: World) -> None:
    reserve(world, "transfer:t1", 950_000, code_checked=True)

    with pytest.raises(DailyLimitExceeded):
        reserve(world, "transfer:t2", 50_001)


def test_past_the_free_amount_but_under_the_limit_the_refusal_asks_for_a_code(world: World) -> None:
    reserve(world, "transfer:t1", 950_000, code_checked=True)

    with pytest.raises(CodeRequired):
        reserve(world, "transfer:t2", 50_000)


def test_a_retried_debit_counts_once(world: World) -> None:
    reserve(world, "transfer:t1", 60_000)
    reserve(world, "transfer:t1", 60_000)

    assert spent(world) == 60_000


def test_each_customer_has_a_counter_of_their_own(world: World) -> None:
    reserve(world, "transfer:t1", 100_000)
    service.reserve(
        OTHER, "transfer:t9", 100_000, code_checked=False, settings=POLICY, repository=world.spending, clock=lambda: NOW
    )

    assert (spent(world), world.spending.spent(OTHER, service.bank_day(NOW))) == (100_000, 100_000)


# --- giving back -----------------------------------------------------------------------------------
def test_money_given_back_is_free_again_and_only_once(world: World) -> None:
    reserve(world, "transfer:t1", 60_000)
    reserve(world, "transfer:t2", 30_000)

    service.give_back(CUSTOMER, "transfer:t1", repository=world.spending, clock=lambda: NOW)
    service.give_back(CUSTOMER, "transfer:t1", repository=world.spending, clock=lambda: NOW)

    assert spent(world) == 30_000


def test_giving_back_what_was_never_counted_changes_nothing(world: World) -> None:
    reserve(world, "transfer:t1", 60_000)

    service.give_back(CUSTOMER, "transfer:t2", repository=world.spending, clock=lambda: NOW)

    assert spent(world) == 60_000


def test_money_given_back_after_midnight_goes_back_to_the_day_it_was_counted_on(world: World) -> None:
    yesterday = NOW - timedelta(days=1)
    reserve(world, "transfer:t1", 60_000, at=yesterday)
    reserve(world, "transfer:t2", 10_000)

    service.give_back(CUSTOMER, "transfer:t1", repository=world.spending, clock=lambda: NOW)

    assert (spent(world, yesterday), spent(world)) == (0, 10_000)


def test_a_debit_retried_after_its_money_was_given_back_counts_nothing_again(world: World) -> None:
    reserve(world, "transfer:t1", 60_000)
    service.give_back(CUSTOMER, "transfer:t1", repository=world.spending, clock=lambda: NOW)

    reserve(world, "transfer:t1", 60_000)

    assert spent(world) == 0


# --- the code ---------------------------------------------------------------------------------------
def send(world: World, challenge: str = "q-1") -> None:
    service.send_code(
        challenge,
        CUSTOMER,
        purpose="transfer",
        repository=world.spending,
        customers_repository=world.customers,
        cerberus=world.cerberus,  # type: ignore[arg-type]
        clock=lambda: NOW,
    )


def check(world: World, code: str, *, challenge: str = "q-1", customer: str = CUSTOMER) -> None:
    service.check_code(
        challenge,
        customer,
        code,
        repository=world.spending,
        cerberus=world.cerberus,
        clock=lambda: NOW,  # type: ignore[arg-type]
    )


def test_the_code_goes_to_the_customers_phone_and_the_right_one_checks_the_challenge(world: World) -> None:
    send(world)
    check(world, "123456")

    assert world.cerberus.sent == [(PHONE, "transfer")]
    assert service.code_checked("q-1", CUSTOMER, repository=world.spending) is True


def test_a_wrong_code_leaves_the_challenge_unchecked(world: World) -> None:
    send(world)

    with pytest.raises(InvalidOneTimeCode):
        check(world, "654321")
    assert service.code_checked("q-1", CUSTOMER, repository=world.spending) is False


def test_a_sent_code_is_not_a_checked_one(world: World) -> None:
    send(world)

    assert service.code_checked("q-1", CUSTOMER, repository=world.spending) is False


def test_an_empty_code_is_refused_without_asking_cerberus(world: World) -> None:
    send(world)

    with pytest.raises(InvalidOneTimeCode):
        check(world, "")
    assert world.cerberus.checked == []


def test_a_code_for_a_challenge_never_sent_is_refused(world: World) -> None:
    with pytest.raises(InvalidOneTimeCode):
        check(world, "123456", challenge="q-2")


def test_another_customer_cannot_check_nor_use_the_customers_challenge(world: World) -> None:
    send(world)

    with pytest.raises(InvalidOneTimeCode):
        check(world, "123456", customer=OTHER)
    check(world, "123456")
    assert service.code_checked("q-1", OTHER, repository=world.spending) is False


# --- what operations watch --------------------------------------------------------------------------
def test_a_debit_refused_for_want_of_a_code_is_counted_in_the_metrics(
    world: World, emitted_metrics: Callable[[], dict[str, tuple[str, float]]]
) -> None:
    reserve(world, "transfer:t1", 90_000)

    with pytest.raises(CodeRequired):
        reserve(world, "transfer:t2", 10_001)

    assert emitted_metrics() == {"StepUpRefusedAtDebit": ("Count", 1.0)}


def test_a_debit_refused_at_the_daily_limit_is_not_counted_as_wanting_a_code(
    world: World, emitted_metrics: Callable[[], dict[str, tuple[str, float]]]
) -> None:
    reserve(world, "transfer:t1", 990_000, code_checked=True)

    with pytest.raises(DailyLimitExceeded):
        reserve(world, "transfer:t2", 10_001)

    assert emitted_metrics() == {}


def test_the_debits_refusal_at_the_daily_limit_names_that_limit(world: World) -> None:
    reserve(world, "transfer:t1", 990_000, code_checked=True)

    with pytest.raises(DailyLimitExceeded) as refused:
        reserve(world, "transfer:t2", 10_001, code_checked=True)
    assert refused.value.details == {"limit": "per_day"}


def test_a_code_for_a_challenge_never_sent_leaves_no_attempt(world: World) -> None:
    with pytest.raises(InvalidOneTimeCode) as refused:
        check(world, "123456", challenge="q-9")
    assert refused.value.details == {"attempts_left": 0}


def test_the_policys_clock_is_utc_now() -> None:
    before = datetime.now(UTC)
    now = service._now()

    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)
