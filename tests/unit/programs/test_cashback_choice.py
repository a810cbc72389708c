"""The categories the customer chooses for the next month (terms.yaml ``chosen_categories``: pick 2 of pharmacy
5 %, beauty 7 %, clothes 5 %, cinema 10 %): a chosen category earns its rate only in a month it was chosen
for, a choice beyond the pick drops the one chosen first, the programme refuses a document that mixes the
always-on categories with those to choose."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from messenger_bank.programs.cashback import (
    choose_cashback_category,
    compute_cashback,
    list_cashback_categories,
)
from messenger_bank.programs.cashback_operations import ChooseCashbackCategoryRequest, ListCashbackCategoriesRequest
from messenger_bank.programs.cashback_rules import rate_for
from messenger_bank.programs.errors import CategoryUnavailable
from messenger_bank.programs.models import CardOperation
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.terms import Programs, ProgramsConfigError, load_programs

from .conftest import programs_document

NOW = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)  # 23:00 on 31 December in Minsk: the next month is January
CUSTOMER = "cus-1"


def cinema_ticket(when: datetime = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)) -> CardOperation:
    return CardOperation(
        operation_id="op-1", kind="purchase", amount_minor=1_500, currency="BYN", mcc="7832", occurred_at=when
    )


def choose(referrals: ReferralsRepository, programs: Programs, category: str, now: datetime = NOW) -> Any:
    request = ChooseCashbackCategoryRequest(customer_id=CUSTOMER, category=category, language="en")
    return choose_cashback_category(request, repository=referrals, config=programs, now=now)


def test_a_category_to_choose_earns_only_when_chosen(programs: Programs) -> None:
    assert rate_for(cinema_ticket(), programs, chosen=("cinema",)) == (Decimal(10), "chosen")
    assert rate_for(cinema_ticket(), programs, chosen=("pharmacy",)) == (Decimal(0), "none")
    assert rate_for(cinema_ticket(), programs) == (Decimal(0), "none")


def test_the_months_cashback_counts_a_chosen_category(programs: Programs) -> None:
    chosen = compute_cashback([cinema_ticket()], programs, "2027-01", chosen=("cinema",))
    not_chosen = compute_cashback([cinema_ticket()], programs, "2027-01")

    assert (chosen.total_minor, chosen.by_category) == (150, {"cinema": 150})  # 15.00 at 10 %
    assert not_chosen.total_minor == 0


def test_categories_are_chosen_for_the_next_month_in_the_banks_time(
    referrals: ReferralsRepository, programs: Programs
) -> None:
    chosen = choose(referrals, programs, "cinema")

    assert (chosen.month, chosen.chosen, chosen.pick, chosen.replaced) == ("01/2027", "cinema", 2, None)
    assert referrals.chosen_categories(CUSTOMER, "2027-01") == ("cinema",)
    assert referrals.chosen_categories(CUSTOMER, "2026-12") == ()
    # One hour later in Minsk it is January: the choice is for February.
    assert choose(referrals, programs, "beauty", now=datetime(2026, 12, 31, 21, 0, tzinfo=UTC)).month == "02/2027"


def test_a_choice_beyond_the_pick_drops_the_one_chosen_first(
    referrals: ReferralsRepository, programs: Programs
) -> None:
    choose(referrals, programs, "cinema")
    second = choose(referrals, programs, "pharmacy")
    assert (second.chosen, second.replaced) == ("cinema, pharmacies", None)

    third = choose(referrals, programs, "beauty")

    assert (third.chosen, third.replaced) == ("pharmacies, beauty", "cinema")
    assert referrals.chosen_categories(CUSTOMER, "2027-01") == ("pharmacy", "beauty")


def test_choosing_a_chosen_category_again_changes_nothing(referrals: ReferralsRepository, programs: Programs) -> None:
    choose(referrals, programs, "cinema")
    choose(referrals, programs, "pharmacy")

    again = choose(referrals, programs, "cinema")

    assert (again.chosen, again.replaced) == ("cinema, pharmacies", None)
    assert referrals.chosen_categories(CUSTOMER, "2027-01") == ("cinema", "pharmacy")


def test_a_choice_made_meanwhile_is_kept(referrals: ReferralsRepository, programs: Programs) -> None:
    """Two choices at once: the second writes only over what it read, so neither is lost."""
    assert referrals.replace_chosen_categories(CUSTOMER, "2027-01", (), ("cinema",), NOW) is True
    assert referrals.replace_chosen_categories(CUSTOMER, "2027-01", (), ("beauty",), NOW) is False
    assert referrals.replace_chosen_categories(CUSTOMER, "2027-01", ("beauty",), ("x",), NOW) is False

    assert choose(referrals, programs, "beauty").chosen == "cinema, beauty"


def test_a_category_that_is_not_to_choose_is_refused(referrals: ReferralsRepository, programs: Programs) -> None:
    with pytest.raises(CategoryUnavailable):
        choose(referrals, programs, "groceries")  # always on, not chosen
    assert referrals.chosen_categories(CUSTOMER, "2027-01") == ()


def test_the_list_shows_each_category_with_its_rate_and_marks_the_chosen(
    referrals: ReferralsRepository, programs: Programs
) -> None:
    choose(referrals, programs, "cinema")

    listed = list_cashback_categories(
        ListCashbackCategoriesRequest(customer_id=CUSTOMER, language="en"),
        repository=referrals,
        config=programs,
        now=NOW,
    )

    assert (listed.month, listed.pick, listed.chosen) == ("01/2027", 2, "cinema")
    assert [(i.category, i.title) for i in listed.items] == [
        ("pharmacy", "pharmacies — 5 %"),
        ("beauty", "beauty — 7 %"),
        ("clothes", "clothes — 5 %"),
        ("cinema", "✅ cinema — 10 %"),
    ]


def test_without_categories_to_choose_nothing_is_listed_or_chosen(referrals: ReferralsRepository) -> None:
    document = programs_document()
    del document["chosen_categories"]
    plain = load_programs(document)
    request = ListCashbackCategoriesRequest(customer_id=CUSTOMER)

    with pytest.raises(CategoryUnavailable):
        list_cashback_categories(request, repository=referrals, config=plain, now=NOW)
    with pytest.raises(CategoryUnavailable):
        choose(referrals, plain, "cinema")


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d["chosen_categories"].update(pick=5), "pick above the four categories"),
        (lambda d: d["chosen_categories"]["categories"].update(groceries={"rate_percent": 3}), "always on and chosen"),
        (lambda d: d["chosen_categories"]["categories"]["cinema"].update(mcc=["5411"]), "an MCC in two categories"),
        (lambda d: d["chosen_categories"]["categories"]["cinema"].update(rate_percent=40), "a rate above 33 %"),
    ],
)
def test_a_wrong_choice_in_the_programme_is_refused_as_a_whole(change: Any, why: str) -> None:
    document = programs_document()
    change(document)

    with pytest.raises(ProgramsConfigError):
        load_programs(document)


def test_the_document_as_shipped_offers_two_of_four() -> None:
    choice = load_programs(programs_document()).chosen_categories
    assert choice is not None and (choice.pick, len(choice.categories)) == (2, 4)
    document = programs_document()
    document["chosen_categories"]["pick"] = 4  # the boundary: all of them
    assert load_programs(document).chosen_categories is not None
