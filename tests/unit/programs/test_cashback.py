"""Cashback on card operations: rates by offer, partner and category, rounding down, refunds."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from messenger_bank.programs.cashback import cashback_this_month, compute_cashback
from messenger_bank.programs.cashback_rules import cashback_minor
from messenger_bank.programs.models import CardOperation, OfferActivation
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.terms import Programs


def op(
    operation_id: str, amount: int, when: str, *, kind: str = "purchase", currency: str = "BYN", **more: str
) -> CardOperation:
    return CardOperation(
        operation_id=operation_id,
        kind=kind,
        amount_minor=amount,
        currency=currency,
        occurred_at=datetime.fromisoformat(when),
        **more,
    )


BURGER_COMBOS = OfferActivation(
    customer_id="c_eater",
    partner="burgerking",
    offer_id="bk-002",
    title="20 % cashback on Whopper combos on weekdays",
    category="fast_food",
    cashback_percent=Decimal(20),
    activated_at=datetime(2025, 6, 1, tzinfo=UTC),
)

JUNE_OPERATIONS = [
    op("op-1", 4567, "2025-06-02T10:00:00+00:00", mcc="5411", partner="grushovka"),
    op("op-2", 1234, "2025-06-03T10:00:00+00:00", mcc="5411"),
    op("op-3", 899, "2025-06-04T10:00:00+00:00", mcc="5814", partner="burgerking"),
    op("op-4", 2350, "2025-06-05T10:00:00+00:00", mcc="5815", partner="twitch"),
    op("op-5", 10000, "2025-06-06T10:00:00+00:00", mcc="5999"),
    op("op-6", 1999, "2025-06-07T10:00:00+00:00", mcc="4121"),
    op("op-7", 1000, "2025-06-08T10:00:00+00:00", kind="refund", mcc="5411", partner="grushovka"),
    op("op-8", 5000, "2025-06-09T10:00:00+00:00", mcc="5411", currency="USD"),
    op("op-9", 700, "2025-05-31T20:30:00+00:00", mcc="5814"),
    op("op-10", 500, "2025-05-31T21:30:00+00:00", mcc="5814"),
]


def test_cashback_this_month_matches_the_hand_checked_example(programs: Programs) -> None:
    """June 2025 (bank time, UTC+3), terms.yaml rates, the Burger King offer bk-002 (20 %) activated.

    op     what                                   amount   rate                         cashback (floor)
    op-1   Grushovka, MCC 5411                     45.67   3 % partner beats 2 %        137.01 → 1.37
    op-2   another supermarket, MCC 5411           12.34   2 % groceries                 24.68 → 0.24
    op-3   Burger King, MCC 5814                    8.99   20 % activated offer          179.80 → 1.79
    op-4   Twitch, MCC 5815                        23.50   15 % partner beats 5 %        352.50 → 3.52
    op-5   MCC 5999 (no category)                 100.00   none                                 0.00
    op-6   taxi, MCC 4121                          19.99   3 % transport                 59.97 → 0.59
    op-7   refund at Grushovka                    -10.00   3 % partner                  -30.00 → -0.30
    op-8   a USD purchase                          50.00   none (not BYN)                       0.00
    op-9   fast food on 31 May 23:30 Minsk          7.00   not June in bank time           (left out)
    op-10  fast food on 1 June 00:30 Minsk          5.00   5 % fast food                 25.00 → 0.25
    (the "→" column in kopecks: 137, 24, 179, 352, 0, 59, -30, 0, 25)

    sum: 137 + 24 + 179 + 352 + 0 + 59 - 30 + 0 + 25 = 746 kopecks = 7.46 BYN
    by category: groceries 137 + 24 - 30 = 131; fast_food 179 + 25 = 204; streaming 352; transport 59.
    """
    month = compute_cashback(JUNE_OPERATIONS, programs, "2025-06", activated=[BURGER_COMBOS])

    assert [(line.operation_id, line.rate_percent, line.cashback_minor) for line in month.lines] == [
        ("op-10", Decimal(5), 25),
        ("op-1", Decimal(3), 137),
        ("op-2", Decimal(2), 24),
        ("op-3", Decimal(20), 179),
        ("op-4", Decimal(15), 352),
        ("op-5", Decimal(0), 0),
        ("op-6", Decimal(3), 59),
        ("op-7", Decimal(3), -30),
        ("op-8", Decimal(0), 0),
    ]
    assert [line.source for line in month.lines][:5] == ["category", "partner", "category", "offer", "partner"]
    assert month.total_minor == 746
    assert month.currency == "BYN"
    assert month.by_category == {"groceries": 131, "fast_food": 204, "streaming": 352, "transport": 59}


def test_cashback_is_rounded_down_to_the_kopeck() -> None:
    assert cashback_minor(1234, Decimal(7)) == 86  # 86.38
    assert cashback_minor(99, Decimal("2.5")) == 2  # 2.475
    assert cashback_minor(1, Decimal(33)) == 0  # 0.33


def test_a_full_refund_cancels_its_purchase_cashback_exactly(programs: Programs) -> None:
    operations = [
        op("buy", 3333, "2025-06-02T10:00:00+00:00", mcc="5814", partner="burgerking"),
        op("back", 3333, "2025-06-03T10:00:00+00:00", kind="refund", mcc="5814", partner="burgerking"),
    ]

    assert compute_cashback(operations, programs, "2025-06").total_minor == 0


def test_a_refund_of_last_months_purchase_never_makes_the_month_negative(programs: Programs) -> None:
    operations = [op("back", 5000, "2025-06-03T10:00:00+00:00", kind="refund", mcc="5411")]

    assert compute_cashback(operations, programs, "2025-06").total_minor == 0


def test_a_partner_operation_without_a_category_earns_the_partners_rate(programs: Programs) -> None:
    operations = [op("sub", 1000, "2025-06-02T10:00:00+00:00", partner="twitch")]

    (line,) = compute_cashback(operations, programs, "2025-06").lines

    assert (line.rate_percent, line.source, line.cashback_minor) == (Decimal(15), "partner", 150)


class _Operations:
    def __init__(self) -> None:
        self.asked: list[tuple[str, datetime, datetime]] = []

    def operations(self, customer_id: str, since: datetime, until: datetime, /) -> list[CardOperation]:
        self.asked.append((customer_id, since, until))
        return JUNE_OPERATIONS


def test_cashback_this_month_asks_core_banking_from_the_first_of_the_month_with_the_activated_offers(
    programs: Programs, referrals: ReferralsRepository
) -> None:
    referrals.add_activation(BURGER_COMBOS)
    source = _Operations()
    now = datetime(2025, 6, 20, 9, 0, tzinfo=UTC)

    month = cashback_this_month("c_eater", source=source, repository=referrals, config=programs, now=now)

    assert month.total_minor == 746
    customer_id, since, until = source.asked[0]
    assert (customer_id, since.isoformat(), until) == ("c_eater", "2025-06-01T00:00:00+03:00", now)
