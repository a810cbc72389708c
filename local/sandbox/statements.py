"""Core banking's monthly statement of a card account with a credit line, computed from the ledger.

A statement covers one calendar month (UTC). Its date is the month's last day; the amount due is the
credit in use when the month ends (the closing balance below zero), and it is due ``grace_days`` after
the statement date (the grace period: nothing is charged on it until then). The minimum payment is
``minimum_percent`` of the amount due, rounded half up to a kopeck, at least ``minimum_floor`` and never
more than the amount due.

When a month has ended, its statement charges, once, for the previous statement's debt carried past
that statement's due date: interest at ``interest_percent_per_year`` / 365 a day on what of the amount
due is still unpaid at the end of each day after the due date (every credit into the account repays it),
and ``late_fee`` when less than the minimum payment came in by the due date. Each charge is one ledger
operation (``interest``, ``late_fee``) from the customer account to the bank's income account
(``BANK-INCOME``), dated the month's last second, so it is part of that month and of its closing balance.
A charge never takes the account past its credit line: what would is not charged. The month still
running gets a statement too: its figures so far, nothing charged yet (``closed`` false).

The grace period is at most 28 days, so a due date always falls in the month after the statement's.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from local.sandbox.common import ApiError
from local.sandbox.config import CreditTerms
from local.sandbox.ledger import INCOME, iso, now

if TYPE_CHECKING:
    from local.sandbox.ledger import Bank

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
DAYS_A_YEAR = 365
CHARGES = ("interest", "late_fee")


@dataclass(frozen=True)
class Posting:
    """One posting on the account: its operation, signed amount (below zero: money out) and when."""

    at: datetime
    amount: int
    kind: str = "debit"
    operation_id: str = ""
    reference: str | None = None
    counterparty: str | None = None


@dataclass(frozen=True)
class Charges:
    interest: int
    late_fee: int


@dataclass(frozen=True)
class Statement:
    month: str
    start: date
    statement_date: date
    due_date: date
    closed: bool
    opening_balance: int
    closing_balance: int
    amount_due: int
    minimum_payment: int
    interest: int
    fees: int
    operations: tuple[Posting, ...]


def parse_month(month: str) -> date:
    """The month's first day; ``YYYY-MM`` only."""
    found = MONTH.match(month)
    if found is None:
        raise ApiError(400, "invalid_request", "a statement's month is YYYY-MM")
    return date(int(found.group(1)), int(found.group(2)), 1)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def month_name(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def minimum_payment(amount_due: int, terms: CreditTerms) -> int:
    """The percentage of the amount due, at least the floor, never more than the amount due."""
    if amount_due <= 0:
        return 0
    share = _round(Decimal(amount_due) * terms.minimum_percent / 100)
    return min(amount_due, max(share, terms.minimum_floor))


def balance_before(postings: list[Posting], moment: datetime) -> int:
    return sum(p.amount for p in postings if p.at < moment)


def charges_for(first: date, postings: list[Posting], terms: CreditTerms) -> Charges:
    """What the statement of the month starting ``first`` charges for the previous statement's debt."""
    debt = max(-balance_before(postings, _midnight(first)), 0)
    if debt == 0:
        return Charges(0, 0)
    due = first - timedelta(days=1) + timedelta(days=terms.grace_days)
    end = next_month(first)
    # Money in after the previous statement date, by day: each repays the carried debt.
    paid: dict[date, int] = {}
    for p in postings:
        if p.amount > 0 and _midnight(first) <= p.at < _midnight(end):
            paid[p.at.date()] = paid.get(p.at.date(), 0) + p.amount
    paid_by_due = sum(amount for day, amount in paid.items() if day <= due)
    unpaid_day_sums = 0
    running = paid_by_due
    day = due + timedelta(days=1)
    while day < end:
        running += paid.get(day, 0)
        unpaid_day_sums += max(debt - running, 0)
        day += timedelta(days=1)
    interest = _round(Decimal(unpaid_day_sums) * terms.interest_percent_per_year / 100 / DAYS_A_YEAR)
    late = terms.late_fee if paid_by_due < minimum_payment(debt, terms) else 0
    return Charges(interest, late)


def statement_of(first: date, postings: list[Posting], terms: CreditTerms, *, today: date) -> Statement:
    """The month's figures from the account's postings (its charges already among them once closed)."""
    end = next_month(first)
    statement_date = end - timedelta(days=1)
    inside = tuple(p for p in postings if _midnight(first) <= p.at < _midnight(end))
    opening = balance_before(postings, _midnight(first))
    closing = opening + sum(p.amount for p in inside)
    amount_due = max(-closing, 0)
    return Statement(
        month=month_name(first),
        start=first,
        statement_date=statement_date,
        due_date=statement_date + timedelta(days=terms.grace_days),
        closed=today >= end,
        opening_balance=opening,
        closing_balance=closing,
        amount_due=amount_due,
        minimum_payment=minimum_payment(amount_due, terms),
        interest=-sum(p.amount for p in inside if p.kind == "interest"),
        fees=-sum(p.amount for p in inside if p.kind == "late_fee"),
        operations=inside,
    )


def statement_json(account: dict[str, Any], statement: Statement, currency: str) -> dict[str, Any]:
    return {
        "account_id": account["id"],
        "month": statement.month,
        "currency": currency,
        "period_start": statement.start.isoformat(),
        "statement_date": statement.statement_date.isoformat(),
        "due_date": statement.due_date.isoformat(),
        "closed": statement.closed,
        "credit_limit": account["credit_limit"],
        "opening_balance": statement.opening_balance,
        "closing_balance": statement.closing_balance,
        "amount_due": statement.amount_due,
        "minimum_payment": statement.minimum_payment,
        "interest": statement.interest,
        "fees": statement.fees,
        "operations": [
            {
                "operation_id": p.operation_id,
                "kind": p.kind,
                "amount": p.amount,
                "currency": currency,
                "reference": p.reference,
                "counterparty": p.counterparty,
                "created_at": p.at.isoformat().replace("+00:00", "Z"),
            }
            for p in statement.operations
        ],
    }


# --- against the ledger ----------------------------------------------------------------------------------
def postings_of(db: sqlite3.Connection, account_id: str) -> list[Posting]:
    rows = db.execute(
        "SELECT o.id, o.kind, o.reference, o.meta, p.amount, p.created_at FROM postings p "
        "JOIN operations o ON o.id = p.operation_id WHERE p.account_id = ? ORDER BY p.created_at, p.id",
        (account_id,),
    )
    return [
        Posting(
            at=datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")),
            amount=int(r["amount"]),
            kind=r["kind"],
            operation_id=r["id"],
            reference=r["reference"],
            counterparty=json.loads(r["meta"]).get("counterparty"),
        )
        for r in rows
    ]


def _close(bank: Bank, account_id: str, first: date) -> None:
    """Post the ended month's charges once (kept under the idempotency scope ``statement-charges``)."""
    terms = bank.config.credit_terms

    def work(db: sqlite3.Connection) -> dict[str, Any]:
        charges = charges_for(first, postings_of(db, account_id), terms)
        stamp = iso(_midnight(next_month(first)) - timedelta(seconds=1))
        posted: dict[str, int] = {}
        for kind, amount in (("interest", charges.interest), ("late_fee", charges.late_fee)):
            # Never past the credit line: what would not fit is not charged.
            amount = min(amount, bank.balance(account_id, db) + bank.credit_limit(account_id, db))
            if amount <= 0:
                continue
            operation = bank.post(
                db, kind, [(account_id, -amount), (INCOME, amount)], amount, reference=f"statement {month_name(first)}"
            )
            # The charge belongs to the month it is for: dated its last second.
            db.execute("UPDATE operations SET created_at = ? WHERE id = ?", (stamp, operation["operation_id"]))
            db.execute("UPDATE postings SET created_at = ? WHERE operation_id = ?", (stamp, operation["operation_id"]))
            posted[kind] = amount
        return posted

    body = {"account_id": account_id, "month": month_name(first)}
    bank.idempotent("statement-charges", f"{account_id}:{month_name(first)}", body, work)


def account_statement(bank: Bank, account_id: str, month: str, *, today: date | None = None) -> dict[str, Any]:
    """The statement of a customer account for ``month`` (YYYY-MM); every ended month up to it is closed
    first (its charges posted once), oldest first, so each opening balance includes what was charged."""
    first = parse_month(month)
    today = today or now().date()
    if first > today:
        raise ApiError(422, "statement_not_available", "the month has not begun")
    account = bank.account(account_id)
    if account["kind"] != "customer":
        raise ApiError(404, "account_not_found", "no such account")
    postings = postings_of(bank.read(), account_id)
    if postings:
        closing = min(postings[0].at.date().replace(day=1), first)
        while closing <= first and next_month(closing) <= today:
            _close(bank, account_id, closing)
            closing = next_month(closing)
        postings = postings_of(bank.read(), account_id)
    statement = statement_of(first, postings, bank.config.credit_terms, today=today)
    return statement_json(account, statement, str(account["currency"]))
