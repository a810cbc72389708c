"""A card account's monthly statement, as core banking computes it: each case one change from a valid
month (100.00 BYN spent in October, the terms' defaults: 25 days of grace, 5 % with a 10.00 floor,
24 % a year, a 5.00 late fee), the oracle worked out by hand in the case's comment."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from local.sandbox.config import CreditTerms
from local.sandbox.statements import Posting, charges_for, minimum_payment, statement_of

TERMS = CreditTerms()
OCTOBER, NOVEMBER = date(2026, 10, 1), date(2026, 11, 1)


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(UTC)


SPENT = Posting(at("2026-10-10"), -10_000, "debit")


def test_the_terms_defaults_are_the_documented_ones() -> None:
    assert (TERMS.grace_days, TERMS.minimum_percent, TERMS.minimum_floor) == (25, Decimal(5), 1_000)
    assert (TERMS.interest_percent_per_year, TERMS.late_fee) == (Decimal(24), 500)


@pytest.mark.parametrize("grace_days", [0, 29])
def test_a_grace_period_outside_1_to_28_days_is_refused(grace_days: int) -> None:
    with pytest.raises(ValueError, match="grace_days"):
        CreditTerms(grace_days=grace_days)


def test_a_month_spent_into_credit_is_due_in_full_25_days_after_its_last_day() -> None:
    statement = statement_of(OCTOBER, [SPENT], TERMS, today=date(2026, 11, 3))

    assert (statement.opening_balance, statement.closing_balance) == (0, -10_000)
    assert (statement.amount_due, statement.minimum_payment) == (10_000, 1_000)
    assert (statement.statement_date, statement.due_date) == (date(2026, 10, 31), date(2026, 11, 25))
    assert statement.closed
    assert [p.amount for p in statement.operations] == [-10_000]


def test_a_month_still_running_is_not_closed() -> None:
    assert not statement_of(OCTOBER, [SPENT], TERMS, today=date(2026, 10, 31)).closed


def test_a_december_statement_is_due_in_january() -> None:
    december = statement_of(date(2026, 12, 1), [], TERMS, today=date(2026, 12, 6))
    assert (december.statement_date, december.due_date) == (date(2026, 12, 31), date(2027, 1, 25))


def test_no_debt_nothing_due_and_nothing_charged() -> None:
    funds = [Posting(at("2026-10-01"), 20_000, "credit"), SPENT]

    statement = statement_of(OCTOBER, funds, TERMS, today=date(2026, 11, 3))

    assert (statement.closing_balance, statement.amount_due, statement.minimum_payment) == (10_000, 0, 0)
    assert charges_for(NOVEMBER, funds, TERMS) == charges_for(NOVEMBER, [], TERMS)
    assert (charges_for(NOVEMBER, funds, TERMS).interest, charges_for(NOVEMBER, funds, TERMS).late_fee) == (0, 0)


def test_debt_repaid_within_the_grace_period_is_charged_nothing() -> None:
    repaid = [SPENT, Posting(at("2026-11-25"), 10_000, "credit")]  # on the due date itself

    charges = charges_for(NOVEMBER, repaid, TERMS)

    assert (charges.interest, charges.late_fee) == (0, 0)


def test_debt_carried_past_the_due_date_is_charged_interest_at_the_configured_rate_and_the_late_fee() -> None:
    # 10 000 unpaid each day of Nov 26-30 (5 days): 10 000 * 5 * 24 % / 365 = 32.88 -> 33.
    charges = charges_for(NOVEMBER, [SPENT], TERMS)
    assert (charges.interest, charges.late_fee) == (33, 500)


def test_the_interest_follows_the_configured_rate() -> None:
    # 36 % a year: 10 000 * 5 * 36 % / 365 = 49.32 -> 49.
    terms = CreditTerms(interest_percent_per_year=Decimal(36))
    assert charges_for(NOVEMBER, [SPENT], terms).interest == 49


def test_the_interest_counts_the_days_after_the_configured_grace_period() -> None:
    # 20 days of grace: due Nov 20, unpaid Nov 21-30 (10 days): 10 000 * 10 * 24 % / 365 = 65.75 -> 66.
    assert charges_for(NOVEMBER, [SPENT], CreditTerms(grace_days=20)).interest == 66


def test_a_payment_a_day_late_is_late_but_stops_the_interest_from_that_day() -> None:
    # Paid in full on Nov 26: the minimum was not in by the due date (fee); unpaid on no day after it.
    charges = charges_for(NOVEMBER, [SPENT, Posting(at("2026-11-26"), 10_000, "credit")], TERMS)
    assert (charges.interest, charges.late_fee) == (0, 500)


def test_the_minimum_paid_by_the_due_date_spares_the_fee_but_the_rest_bears_interest() -> None:
    # 9 000 unpaid on Nov 26-30: 9 000 * 5 * 24 % / 365 = 29.59 -> 30.
    charges = charges_for(NOVEMBER, [SPENT, Posting(at("2026-11-25"), 1_000, "credit")], TERMS)
    assert (charges.interest, charges.late_fee) == (30, 0)


def test_a_kopeck_less_than_the_minimum_is_late() -> None:
    assert charges_for(NOVEMBER, [SPENT, Posting(at("2026-11-25"), 999, "credit")], TERMS).late_fee == 500


def test_the_months_charges_are_in_its_statement() -> None:
    charged = [
        SPENT,
        Posting(datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC), -33, "interest"),
        Posting(datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC), -500, "late_fee"),
    ]

    statement = statement_of(NOVEMBER, charged, TERMS, today=date(2026, 12, 1))

    assert (statement.opening_balance, statement.interest, statement.fees) == (-10_000, 33, 500)
    assert (statement.closing_balance, statement.amount_due) == (-10_533, 10_533)


@pytest.mark.parametrize(
    ("case", "amount_due", "minimum"),
    [
        ("nothing due", 0, 0),
        ("less than the floor: all of it", 999, 999),
        ("exactly the floor", 1_000, 1_000),
        ("5 % below the floor: the floor", 19_980, 1_000),
        ("5 % equal to the floor", 20_000, 1_000),
        ("5 % above the floor: 5 %", 20_020, 1_001),
        ("5 % rounded half up", 20_030, 1_002),
    ],
)
def test_the_minimum_payment_is_5_percent_with_a_floor_never_more_than_due(
    case: str, amount_due: int, minimum: int
) -> None:
    assert minimum_payment(amount_due, TERMS) == minimum, case


def test_the_minimum_follows_the_configured_percent_and_floor() -> None:
    assert minimum_payment(20_000, CreditTerms(minimum_percent=Decimal(10), minimum_floor=500)) == 2_000
    assert minimum_payment(20_000, CreditTerms(minimum_percent=Decimal(1), minimum_floor=500)) == 500
