"""A card account's monthly statement over REST against the sandbox (``GET /api/v1/accounts/{id}/statements/
{YYYY-MM}`` through ``CoreClient.statement``): a month spent into credit, the next month charging interest
and the late fee once for the debt carried past the due date (double entry, to the bank's income), a debt
repaid within the grace period charged nothing, the month running with nothing due, and the months that
have no statement. Operations are dated back in the sandbox's database: the ledger stamps them now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from local.sandbox import Sandbox
from messenger_bank.banking import service
from messenger_bank.banking.models.core import CreditRequest, DebitRequest, IssuedCard
from messenger_bank.errors import CardNotFound, OperationRejected
from tests.integration.banking.conftest import Clients
from tests.integration.banking.test_credit_line import credit_card, key

SPENT = 10_000
GRACE_DAYS, RATE, LATE_FEE = 25, Decimal("0.24"), 500  # SandboxConfig().credit_terms, as README documents


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def first_of_months_ago(months: int) -> date:
    first = datetime.now(UTC).date().replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def last_day(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def dated(sandbox: Sandbox, operation_id: str, day: date) -> None:
    stamp = f"{day.isoformat()}T12:00:00Z"
    with sandbox.bank.write() as db:
        db.execute("UPDATE operations SET created_at = ? WHERE id = ?", (stamp, operation_id))
        db.execute("UPDATE postings SET created_at = ? WHERE operation_id = ?", (stamp, operation_id))


def spend(clients: Clients, card: IssuedCard, amount: int, day: date) -> None:
    request = DebitRequest(card_id=card.card_id, amount=amount, currency="BYN", idempotency_key=key("debit"))
    dated(clients.sandbox, service.debit(request, core=clients.core).operation_id, day)


def repay(clients: Clients, card: IssuedCard, amount: int, day: date) -> None:
    request = CreditRequest(
        account_id=card.account_id, source="acquiring", amount=amount, currency="BYN", idempotency_key=key("top")
    )
    dated(clients.sandbox, service.credit(request, core=clients.core).operation_id, day)


def test_a_month_spent_into_credit_is_due_in_full_after_the_grace_period(clients: Clients) -> None:
    card, spent_in = credit_card(clients), first_of_months_ago(2)
    spend(clients, card, SPENT, spent_in.replace(day=10))

    statement = clients.core.statement(card.account_id, month_of(spent_in))

    assert statement.closed
    assert (statement.opening_balance, statement.closing_balance) == (0, -SPENT)
    assert (statement.amount_due, statement.minimum_payment) == (SPENT, 1_000)  # 5 % is 5.00: the 10.00 floor
    assert statement.statement_date == last_day(spent_in)
    assert statement.due_date == last_day(spent_in) + timedelta(days=GRACE_DAYS)
    assert [(e.kind, e.amount) for e in statement.operations] == [("debit", -SPENT)]
    assert (statement.interest, statement.fees, statement.credit_limit) == (0, 0, 100_000)


def test_debt_carried_past_the_due_date_is_charged_interest_and_the_late_fee_once(
    clients: Clients, sandbox: Sandbox
) -> None:
    card, spent_in, next_month = credit_card(clients), first_of_months_ago(2), first_of_months_ago(1)
    spend(clients, card, SPENT, spent_in.replace(day=10))
    income_before = sandbox.bank.totals()["internal"]["BANK-INCOME"]
    days_late = (last_day(next_month) - (last_day(spent_in) + timedelta(days=GRACE_DAYS))).days
    interest = int((SPENT * days_late * RATE / 365).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    statement = clients.core.statement(card.account_id, month_of(next_month))
    again = clients.core.statement(card.account_id, month_of(next_month))

    assert (statement.interest, statement.fees) == (interest, LATE_FEE)
    assert statement.opening_balance == -SPENT
    assert statement.amount_due == SPENT + interest + LATE_FEE
    assert [e.kind for e in statement.operations] == ["interest", "late_fee"]
    assert again == statement
    totals = sandbox.bank.totals()
    assert totals["internal"]["BANK-INCOME"] - income_before == interest + LATE_FEE
    assert (totals["total"], totals["unbalanced_operations"], totals["accounts_over_limit"]) == (0, 0, [])


def test_debt_repaid_within_the_grace_period_is_charged_nothing(clients: Clients) -> None:
    card, spent_in, next_month = credit_card(clients), first_of_months_ago(2), first_of_months_ago(1)
    spend(clients, card, SPENT, spent_in.replace(day=10))
    repay(clients, card, SPENT, last_day(spent_in) + timedelta(days=GRACE_DAYS))  # on the due date

    statement = clients.core.statement(card.account_id, month_of(next_month))

    assert (statement.interest, statement.fees, statement.amount_due) == (0, 0, 0)


def test_the_month_running_without_credit_in_use_has_nothing_due(clients: Clients) -> None:
    card = credit_card(clients, funds=5_000)
    this_month = first_of_months_ago(0)

    statement = clients.core.statement(card.account_id, month_of(this_month))

    assert not statement.closed
    assert (statement.closing_balance, statement.amount_due, statement.minimum_payment) == (5_000, 0, 0)


def test_the_month_running_spent_into_credit_is_due_after_its_end(clients: Clients) -> None:
    card = credit_card(clients)
    service.debit(
        DebitRequest(card_id=card.card_id, amount=30_000, currency="BYN", idempotency_key=key("debit")),
        core=clients.core,
    )
    this_month = first_of_months_ago(0)

    statement = clients.core.statement(card.account_id, month_of(this_month))

    assert (statement.amount_due, statement.minimum_payment) == (30_000, 1_500)
    assert statement.due_date == last_day(this_month) + timedelta(days=GRACE_DAYS)


@pytest.mark.parametrize(
    ("case", "month"),
    [("a month not begun", "next"), ("not a month", "2026-13"), ("not YYYY-MM", "2026-1")],
)
def test_months_without_a_statement_are_refused(clients: Clients, case: str, month: str) -> None:
    card = credit_card(clients)
    if month == "next":
        month = month_of(last_day(first_of_months_ago(0)) + timedelta(days=1))

    with pytest.raises(OperationRejected):
        clients.core.statement(card.account_id, month)


def test_an_unknown_account_has_no_statement(clients: Clients) -> None:
    with pytest.raises(CardNotFound):
        clients.core.statement("acc_nobody", month_of(first_of_months_ago(0)))
