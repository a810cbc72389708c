"""The month's cashback, paid into the card once a month (statemachines/cashback_payout.asl.yaml).

The journey's steps, each a Lambda:
  1. ``payout_run``: the month to pay — the one named at the start, else the month before the schedule's
     time (the 1st of a month pays the month that ended) — and the customers with an accrual counted in
     it, written to S3 (journeys/monthly.py): the journey's Distributed Map reads them from there. A
     month still to come is refused; the month under way may be named (a payout on demand): it is then
     closed, and what accrues in it later counts in the next month;
  2. for each customer, ``pay_month``: the month is closed for the customer (no accrual counts in it from
     then on, purchases/repository.py), its net accrual summed (a refund's negative accrual lowers it);
     above zero, the card is credited from the bank's cashback expense account through core banking with
     the idempotency key ``cashback:<customer>:<YYYY-MM>``, then the month recorded as paid; not above
     zero, recorded as paying nothing. A month recorded before is not paid again, and a run that stopped
     between the credit and the record pays nothing more when run again: core banking answers the same key
     with the same credit;
  3. ``payout_notices`` (purchases/payout_notices.py, apart: the run and the payment load nothing of the telling):
     for a month just paid, once (claimed on the payout record), the receipt picture and one notice per chat of
     the customer, which the journey hands to NotifyCustomerFunction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from messenger_bank.banking import service as bank
from messenger_bank.banking.models.core import CreditRequest
from messenger_bank.customers.models import Card
from messenger_bank.customers.service import CustomersRepository, cards_of
from messenger_bank.errors import CardNotFound
from messenger_bank.journeys.monthly import LISTING_SECONDS, list_customers
from messenger_bank.observability import logger, metrics
from messenger_bank.programs.terms import Programs, programs
from messenger_bank.purchases.models import (
    PayoutItem,
    PayoutOutcome,
    PayoutRun,
    PayoutStart,
)
from messenger_bank.purchases.repository import AccrualsRepository

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from messenger_bank.banking.service import CoreClient

Clock = Callable[[], datetime]


class MonthNotStarted(ValueError):
    """A payout was asked for a month still to come: nothing is closed or paid."""


def _now() -> datetime:
    return datetime.now(UTC)


def payout_key(customer_id: str, month: str) -> str:
    """Core banking's idempotency key of a customer's month: one credit, however often it is asked for."""
    return f"cashback:{customer_id}:{month}"


def month_to_pay(start: PayoutStart, config: Programs) -> str:
    """The month named at the start, else the month before the schedule's time (or the start's)."""
    now_month = config.month_of(start.started_at)
    if start.input.month is not None:
        if start.input.month > now_month:
            raise MonthNotStarted(f"{start.input.month} has not started")
        return start.input.month
    moment = start.input.scheduled_at or start.started_at
    first, _ = config.month_bounds(config.month_of(moment))
    return config.month_of(first - timedelta(seconds=1))


def payout_run(
    start: PayoutStart,
    *,
    accruals: AccrualsRepository | None = None,
    config: Programs | None = None,
    bucket: str | None = None,
    s3_client: S3Client | None = None,
    budget_s: float = LISTING_SECONDS,
) -> PayoutRun:
    """Step 1: the month and the customers with an accrual in it, written to S3 for the Map to read; run
    again with the listing it hands on until the list is complete (journeys/monthly.py)."""
    month = month_to_pay(start, config or programs())
    store = accruals or AccrualsRepository()
    listed, listing = list_customers(
        "cashback-payout",
        month,
        start.started_at,
        lambda start_key: store.accrual_pages(month, start_key),
        start.listing,
        bucket=bucket,
        s3_client=s3_client,
        budget_s=budget_s,
    )
    logger.info(
        "cashback payout run",
        extra={"month": month, "customers": listed.count, "list": listed.key, "complete": listing is None},
    )
    return PayoutRun(month=month, customers=listed, listing=listing)


def _card_to_credit(customer_id: str, customers: CustomersRepository) -> Card:
    """The customer's digital card (else the plastic one) that is not closed: the cashback is paid there."""
    cards = [c for c in cards_of(customer_id, repository=customers) if c.status != "closed"]
    if not cards:
        raise CardNotFound("the customer has no card to pay the cashback into")
    return sorted(cards, key=lambda c: (c.status != "active", c.kind != "virtual", c.issued_at))[0]


def pay_month(
    item: PayoutItem,
    *,
    accruals: AccrualsRepository | None = None,
    customers: CustomersRepository | None = None,
    core: CoreClient | None = None,
    config: Programs | None = None,
    clock: Clock = _now,
) -> PayoutOutcome:
    """Step 2: the customer's month, closed, summed and paid into the card once (see the module)."""
    store = accruals or AccrualsRepository()
    terms = config or programs()
    payout = store.close_month(item.customer_id, item.month, clock())
    if payout.status != "closed":
        logger.info("cashback month settled before", extra={"month": item.month, "status": payout.status})
        return PayoutOutcome(
            customer_id=item.customer_id,
            month=item.month,
            outcome="already_settled",
            amount_minor=payout.amount_minor,
            currency=terms.currency,
            operation_id=payout.operation_id,
        )
    net = sum(a.cashback_minor for a in store.accruals(item.customer_id, item.month) if a.currency == terms.currency)
    if net <= 0:
        store.settle(payout.model_copy(update={"status": "nothing", "amount_minor": 0, "settled_at": clock()}))
        logger.info("cashback month pays nothing", extra={"month": item.month, "net_minor": net})
        return PayoutOutcome(
            customer_id=item.customer_id,
            month=item.month,
            outcome="nothing_to_pay",
            amount_minor=0,
            currency=terms.currency,
        )
    card = _card_to_credit(item.customer_id, customers or CustomersRepository())
    credit = bank.credit(
        CreditRequest(
            card_id=card.card_id,
            source="cashback",
            amount=net,
            currency=terms.currency,
            idempotency_key=payout_key(item.customer_id, item.month),
            reference=f"cashback {item.month}",
        ),
        core=core,
    )
    paid = payout.model_copy(
        update={"status": "paid", "amount_minor": net, "operation_id": credit.operation_id, "settled_at": clock()}
    )
    store.settle(paid)
    metrics.add_metric(name="CashbackPaid", unit="Count", value=1)
    logger.info("cashback paid", extra={"month": item.month, "credit_id": credit.operation_id})
    return PayoutOutcome(
        customer_id=item.customer_id,
        month=item.month,
        outcome="paid",
        amount_minor=net,
        currency=terms.currency,
        operation_id=credit.operation_id,
    )
