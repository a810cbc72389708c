"""Two debits at once against one ceiling: threads racing the reservation's TransactWriteItems on one
customer's counter. Exactly one may pass, whichever wins; a retried debit racing itself counts once.

moto checks a transaction's conditions and applies its writes without a lock (and restores a whole-table
copy when one fails), where DynamoDB serialises transactions on an item; the `atomic_transactions`
fixture runs moto's TransactWriteItems one at a time, as DynamoDB does, so that what is tested is our
use of conditions and not moto's race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import DynamoDBBackend

from messenger_bank.spending import service
from messenger_bank.spending.repository import SpendingRepository
from tests.unit.spending.conftest import NOW, POLICY, World

ROUNDS = 5  # each round a new customer: a lost race on any of them fails the case


@pytest.fixture
def atomic_transactions(monkeypatch: pytest.MonkeyPatch) -> None:
    lock = threading.Lock()
    original = DynamoDBBackend.transact_write_items

    def one_at_a_time(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        with lock:
            original(self, transact_items)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", one_at_a_time)


def race(world: World, debits: list[Callable[[SpendingRepository], None]]) -> list[str]:
    """Run each debit in its own thread, all released at once, each with its own table resource (boto3
    resources are not shared across threads); what each ended with: "counted" or the refusal's name."""
    name = world.spending.table.name
    repositories = [SpendingRepository(boto3.resource("dynamodb").Table(name)) for _ in debits]
    start = threading.Barrier(len(debits))
    outcomes: list[str] = [""] * len(debits)

    def run(index: int) -> None:
        start.wait()
        try:
            debits[index](repositories[index])
            outcomes[index] = "counted"
        except Exception as exc:  # the outcome is asserted by the caller, whatever it is
            outcomes[index] = type(exc).__name__

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(debits))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def debit(customer: str, operation: str, amount: int, *, code_checked: bool) -> Callable[[SpendingRepository], None]:
    def run(repository: SpendingRepository) -> None:
        service.reserve(
            customer,
            operation,
            amount,
            code_checked=code_checked,
            settings=POLICY,
            repository=repository,
            clock=lambda: NOW,
        )

    return run


@pytest.fixture
def spent(world: World) -> Callable[[str], int]:
    return lambda customer: world.spending.spent(customer, service.bank_day(NOW))


def test_two_debits_at_once_cannot_both_pass_the_free_amount(
    world: World, atomic_transactions: None, spent: Callable[[str], int]
) -> None:
    for round_ in range(ROUNDS):
        customer = f"cus-race-{round_}"
        # Each alone fits under 1 000.00 BYN free of a code; both together do not.
        outcomes = race(
            world,
            [
                debit(customer, "transfer:a", 60_000, code_checked=False),
                debit(customer, "payment:b", 60_000, code_checked=False),
            ],
        )

        assert sorted(outcomes) == ["CodeRequired", "counted"], f"round {round_}"
        assert spent(customer) == 60_000


def test_two_debits_with_codes_at_once_cannot_both_pass_the_daily_limit(
    world: World, atomic_transactions: None, spent: Callable[[str], int]
) -> None:
    for round_ in range(ROUNDS):
        customer = f"cus-race-{round_}"
        outcomes = race(
            world,
            [
                debit(customer, "transfer:a", 600_000, code_checked=True),
                debit(customer, "transfer:b", 600_000, code_checked=True),
            ],
        )

        assert sorted(outcomes) == ["DailyLimitExceeded", "counted"], f"round {round_}"
        assert spent(customer) == 600_000


def test_a_debit_retried_while_its_first_run_is_still_counting_counts_once(
    world: World, atomic_transactions: None, spent: Callable[[str], int]
) -> None:
    for round_ in range(ROUNDS):
        customer = f"cus-race-{round_}"
        same = debit(customer, "transfer:a", 60_000, code_checked=False)

        outcomes = race(world, [same, same])

        assert outcomes == ["counted", "counted"], f"round {round_}"  # the retry is not refused...
        assert spent(customer) == 60_000  # ...and adds nothing
