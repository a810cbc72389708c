"""Recommend the bank: recommendations, conversions, a bonus once per milestone, progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from messenger_bank.customers.models import Customer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.programs.errors import RecommendationRefused
from messenger_bank.programs.recommend import on_customer_joined, recommendation_progress, record_recommendation
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.terms import Programs
from tests.unit.programs.conftest import FakeLedger, join

JUNE = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
CONTACTS = [f"+37544700000{i}" for i in range(10)] + ["+375447000010", "+375447000011"]


@pytest.fixture
def fan(customers: CustomersRepository) -> Customer:
    return join(customers, "BANK-FAN", "+375291010101")


def test_a_recommendation_is_kept_as_a_hash_and_a_mask_and_recorded_once(
    fan: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs, table: object
) -> None:
    first = record_recommendation(
        fan.customer_id, "+375 44 700-00-01", customers=customers, repository=referrals, config=programs, now=JUNE
    )
    again = record_recommendation(
        fan.customer_id,
        "375447000001",
        customers=customers,
        repository=referrals,
        config=programs,
        now=JUNE + timedelta(days=1),
    )

    assert again == first
    assert first.contact_mask == "+375 44 ***-00-01"
    assert "447000001" not in str(table.scan()["Items"])  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("phone", "reason"), [("+375291010101", "self"), ("+375292020202", "already_customer"), ("12", "not_a_phone")]
)
def test_recommending_oneself_an_existing_customer_or_not_a_phone_is_refused(
    fan: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
    phone: str,
    reason: str,
) -> None:
    join(customers, "BANK-OLD", "+375292020202")

    with pytest.raises(RecommendationRefused) as refused:
        record_recommendation(
            fan.customer_id, phone, customers=customers, repository=referrals, config=programs, now=JUNE
        )

    assert refused.value.details["reason"] == reason


def test_each_milestone_pays_its_bonus_once(
    fan: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    ledger = FakeLedger()
    for phone in CONTACTS[:6]:
        record_recommendation(
            fan.customer_id, phone, customers=customers, repository=referrals, config=programs, now=JUNE
        )

    for index, phone in enumerate(CONTACTS[:5]):
        newcomer = join(customers, f"BANK-CONV{index}", phone)
        on_customer_joined(
            newcomer.customer_id,
            phone,
            ledger=ledger,
            repository=referrals,
            config=programs,
            now=JUNE + timedelta(days=index + 1),
        )
        # A retried notification changes nothing.
        on_customer_joined(
            newcomer.customer_id,
            phone,
            ledger=ledger,
            repository=referrals,
            config=programs,
            now=JUNE + timedelta(days=index + 1),
        )

    assert dict(ledger.calls) == {
        f"recommend-milestone:{fan.customer_id}:3": 1,
        f"recommend-milestone:{fan.customer_id}:5": 1,
    }
    assert ledger.balance(fan.customer_id) == 1500 + 3000


def test_progress_shows_converted_recommendations_and_the_way_to_the_next_milestone(
    fan: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    ledger = FakeLedger()
    for phone in CONTACTS[:4]:
        record_recommendation(
            fan.customer_id, phone, customers=customers, repository=referrals, config=programs, now=JUNE
        )
    for index, phone in enumerate(CONTACTS[:3]):
        on_customer_joined(f"c_new{index}", phone, ledger=ledger, repository=referrals, config=programs, now=JUNE)

    progress = recommendation_progress(fan.customer_id, repository=referrals, config=programs)

    assert (progress.recommended, progress.converted) == (4, 3)
    assert progress.milestones_reached == (3,)
    assert (progress.next_milestone, progress.to_next_milestone) == (5, 2)
    assert (progress.bonus_total_minor, progress.currency) == (1500, "BYN")


def test_a_contact_recommended_by_two_customers_converts_for_the_first_only(
    fan: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    latecomer = join(customers, "BANK-LATE", "+375293030303")
    record_recommendation(
        fan.customer_id, CONTACTS[0], customers=customers, repository=referrals, config=programs, now=JUNE
    )
    record_recommendation(
        latecomer.customer_id,
        CONTACTS[0],
        customers=customers,
        repository=referrals,
        config=programs,
        now=JUNE + timedelta(hours=1),
    )

    on_customer_joined("c_contact0", CONTACTS[0], ledger=FakeLedger(), repository=referrals, config=programs, now=JUNE)

    assert recommendation_progress(fan.customer_id, repository=referrals, config=programs).converted == 1
    assert recommendation_progress(latecomer.customer_id, repository=referrals, config=programs).converted == 0


def test_a_newcomer_nobody_recommended_pays_nothing(referrals: ReferralsRepository, programs: Programs) -> None:
    ledger = FakeLedger()

    assert on_customer_joined("c_x", "+375445550000", ledger=ledger, repository=referrals, config=programs) == []
    assert not ledger.calls
