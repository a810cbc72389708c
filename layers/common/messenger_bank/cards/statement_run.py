"""The monthly credit statement, step 1 (statemachines/credit_statement.asl.yaml, cards/statement_cycle.py): the month
to state and every customer with a card. Apart from the sending (statement_cycle.py) so that the run's function loads
no card service, notice or messenger's client (issue 20)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from messenger_bank.cards.models import StatementRun, StatementRunStart
from messenger_bank.customers.service import CustomersRepository, customers_with_cards_pages
from messenger_bank.journeys.monthly import LISTING_SECONDS, list_customers
from messenger_bank.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class MonthNotStarted(ValueError):
    """A statement was asked for a month still to come: nothing is stated."""


def month_of(moment: datetime) -> str:
    """The calendar month (UTC, as core banking's statements count them) of a moment."""
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


def month_to_state(start: StatementRunStart) -> str:
    """The month named at the start, else the month before the schedule's time (or the start's)."""
    now_month = month_of(start.started_at)
    if start.input.month is not None:
        if start.input.month > now_month:
            raise MonthNotStarted(f"{start.input.month} has not started")
        return start.input.month
    return month_before(month_of(start.input.scheduled_at or start.started_at))


def month_before(month: str) -> str:
    """``2026-12`` → ``2026-11``, ``2027-01`` → ``2026-12``."""
    year, number = int(month[:4]), int(month[5:])
    return f"{year - (number == 1):04d}-{(number - 2) % 12 + 1:02d}"


def statement_run(
    start: StatementRunStart,
    *,
    customers: CustomersRepository | None = None,
    bucket: str | None = None,
    s3_client: S3Client | None = None,
    budget_s: float = LISTING_SECONDS,
) -> StatementRun:
    """Step 1: the month and the customers with a card, written to S3 for the Map to read; run again with the
    listing it hands on until the list is complete (journeys/monthly.py)."""
    month = month_to_state(start)
    listed, listing = list_customers(
        "credit-statement",
        month,
        start.started_at,
        lambda start_key: customers_with_cards_pages(start_key, repository=customers),
        start.listing,
        bucket=bucket,
        s3_client=s3_client,
        budget_s=budget_s,
    )
    logger.info(
        "credit statement run",
        extra={"month": month, "customers": listed.count, "list": listed.key, "complete": listing is None},
    )
    return StatementRun(month=month, customers=listed, listing=listing)
