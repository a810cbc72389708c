"""Exactly once under faults, in the spirit of Jepsen's bank test, through the transfer journey's own
step functions (messenger_bank.transfers.service), against the sandbox bank over HTTP.

Many threads run transfers between many funded accounts as the state machine does: Debit (retried on
transient errors with the same key; when the retries run out, VoidDebit), Credit (retried; on a refusal
or when the retries run out, Refund), Refund retried until done. The sandbox injects errors, timeouts
before commit and failures after commit on every money endpoint; every step is run again, sometimes,
after it succeeded (a retried Lambda, a re-driven execution). After every step the ledger is read:
the money of the test's customers plus what is in transit never changes, no account goes below minus
its credit limit (every other card has a credit line and little money of its own, so transfers dip into
credit; a debit card never goes below zero), as the ledger says and as its postings replayed say;
at the end each transfer is completed (debit of amount + fee, credit of the amount: the fee stays in
transit) or fully refunded, or never happened. ``pytest -s`` prints the figures; TRANSFERS_SEED /
TRANSFERS_RUNS change the run.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from local.sandbox import Fault, Sandbox, start_sandbox
from messenger_bank.banking import service as bank
from messenger_bank.banking.clients.http import RetryPolicy
from messenger_bank.banking.clients.keycloak import clear_token_cache
from messenger_bank.banking.models.core import CreditRequest, IssueCardRequest
from messenger_bank.configuration import forget_settings
from messenger_bank.errors import BankSystemUnavailable, DomainError, InsufficientFunds, LimitExceeded
from messenger_bank.observability import logger
from messenger_bank.spending.repository import OverCeiling
from messenger_bank.transfers import service
from messenger_bank.transfers.errors import QuoteNotFound
from messenger_bank.transfers.models import Quote, TransferState
from tests.integration.banking.conftest import FREE_PORTS, Clients, lowest_balances, person

SEED = int(os.environ.get("TRANSFERS_SEED", "20260302"))
TRANSFERS = int(os.environ.get("TRANSFERS_RUNS", "800"))
ACCOUNTS = 12
THREADS = 12
OPENING_BALANCE = 50_000
# Every other card: a credit line of 300.00 and 50.00 of its own (transfers of up to 121.00 use the line).
CREDIT_LIMIT = 30_000
CREDIT_OPENING_BALANCE = 5_000
FEE = 100
STEP_ATTEMPTS = 4  # a state's Retry MaxAttempts, before its Catch
FAULT = Fault(latency_ms=(0, 5), error_rate=0.08, timeout_rate=0.04, after_commit_rate=0.08, hang_seconds=0.6)
REFUSED_PAN = "4000000000000002"  # another bank refuses credits to it: the journey refunds


@dataclass
class MemoryQuotes:
    """The quotes the steps read (their DynamoDB side is covered by the unit tests)."""

    items: dict[str, Quote] = field(default_factory=dict)

    def get(self, quote_id: str, customer_id: str) -> Quote:
        quote = self.items.get(quote_id)
        if quote is None or quote.customer_id != customer_id:
            raise QuoteNotFound(quote_id)
        return quote


@dataclass
class MemorySpending:
    """Today's money out as the debit counts it (spending/), kept under a lock: moto's tables are not safe under
    this run's threads. Like the DynamoDB repository, an operation counts once, is given back once, and nothing
    passes a ceiling (its own tests are in tests/unit/spending)."""

    spent_by_day: Counter[tuple[str, str]] = field(default_factory=Counter)
    operations: dict[tuple[str, str], tuple[str, int, bool]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def spent(self, customer_id: str, day: str) -> int:
        with self.lock:
            return self.spent_by_day[(customer_id, day)]

    def challenge(self, challenge: str, customer_id: str) -> None:
        return None  # no code was asked: the ceilings are set out of the way

    def reserve(self, customer_id: str, operation_id: str, amount: int, *, day: str, ceiling: int, now: int) -> bool:
        with self.lock:
            if (customer_id, operation_id) in self.operations:
                return False
            if self.spent_by_day[(customer_id, day)] + amount > ceiling:
                raise OverCeiling(f"{amount} does not fit under {ceiling}")
            self.operations[(customer_id, operation_id)] = (day, amount, False)
            self.spent_by_day[(customer_id, day)] += amount
            return True

    def release(self, customer_id: str, operation_id: str, *, now: int) -> bool:
        with self.lock:
            kept = self.operations.get((customer_id, operation_id))
            if kept is None or kept[2]:
                return False
            day, amount, _ = kept
            self.operations[(customer_id, operation_id)] = (day, amount, True)
            self.spent_by_day[(customer_id, day)] -= amount
            return True


@dataclass
class MemoryVault:
    numbers: dict[str, str] = field(default_factory=dict)

    def detokenise(self, token: str) -> str:
        return self.numbers[token]


@dataclass
class Watch:
    """Reads the ledger after every step: the conserved sum, the accounts below zero and past their line."""

    sandbox: Sandbox
    conserved: int
    readings: int = 0
    drift: int = 0
    negatives: set[str] = field(default_factory=set)
    over_limit: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self) -> None:
        ledger = self.sandbox.ledger()
        held = ledger["customer_total"] + ledger["internal"]["BANK-TRANSIT"] + ledger["internal"]["BANK-INTERBANK"]
        with self.lock:
            self.readings += 1
            self.drift = max(self.drift, abs(held - self.conserved), abs(ledger["total"]))
            self.negatives |= set(ledger["negative_customer_accounts"])
            self.over_limit |= set(ledger["accounts_over_limit"])


def run_step(
    step: Callable[[], TransferState], counter: Counter[str], watch: Watch, *, attempts: int | None
) -> TransferState:
    """A Task state: Retry on transient failures with the same request, then give up to the Catch."""
    tries = 0
    while True:
        tries += 1
        try:
            state = step()
            counter["steps"] += 1
            return state
        except (BankSystemUnavailable, httpx.HTTPError):
            counter["step retries"] += 1
            if attempts is not None and tries >= attempts:
                raise
        finally:
            watch.check()


def run_transfer(
    state: TransferState,
    quotes: MemoryQuotes,
    vault: MemoryVault,
    clients: Clients,
    rng: random.Random,
    counter: Counter[str],
    watch: Watch,
) -> str:
    core = clients.core

    def debit() -> TransferState:
        return service.debit_transfer(state, quotes=quotes, core=core)  # type: ignore[arg-type]

    def settle_back(current: TransferState) -> str:
        refunded = run_step(
            lambda: service.refund_transfer(current, quotes=quotes, core=core), counter, watch, attempts=None
        )  # type: ignore[arg-type]
        if rng.random() < 0.2:  # the compensation ran twice
            refunded = run_step(
                lambda: service.refund_transfer(current, quotes=quotes, core=core), counter, watch, attempts=None
            )  # type: ignore[arg-type]
        return str(refunded.outcome)

    try:
        debited = run_step(debit, counter, watch, attempts=STEP_ATTEMPTS)
    except (InsufficientFunds, LimitExceeded):
        return "declined"
    except BankSystemUnavailable:
        return settle_back(state)  # VoidDebit
    if rng.random() < 0.2:  # a retried Lambda after success: the bank replays its answer
        assert run_step(debit, counter, watch, attempts=None).debit_id == debited.debit_id

    def credit() -> TransferState:
        return service.credit_transfer(debited, quotes=quotes, core=core, vault=vault)  # type: ignore[arg-type]

    try:
        run_step(credit, counter, watch, attempts=STEP_ATTEMPTS)
    except DomainError:
        return settle_back(debited)  # Refund
    if rng.random() < 0.2:
        run_step(credit, counter, watch, attempts=None)
    return "completed"


def test_every_transfer_moves_money_once_or_not_at_all_under_faults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_token_cache()
    # Today's money out is counted at each debit; the run is about the ledger, so the policy's ceilings are out of
    # its way (and their refusals tested in tests/unit/spending).
    monkeypatch.setenv("SPENDING_FREE_PER_DAY_MINOR", str(10**12))
    monkeypatch.setenv("SPENDING_LIMIT_PER_DAY_MINOR", str(10**12))
    forget_settings()  # another case in this worker may have read them already
    counted = MemorySpending()
    monkeypatch.setattr(service, "_spending", lambda quotes: counted)
    # The steps count transfers; outside a Lambda the metrics buffer would flush (print) every 100.
    monkeypatch.setattr(service, "metrics", SimpleNamespace(add_metric=lambda **_: None))
    level = logger.log_level
    logger.setLevel("ERROR")
    sandbox: Sandbox = start_sandbox(tmp_path / "bank", ports=FREE_PORTS, seed=SEED)
    try:
        clients = Clients(
            sandbox,
            timeout=httpx.Timeout(0.3, connect=1.0),
            policy=RetryPolicy(max_retries=1, backoff_base=0.005, backoff_max=0.02),
        )
        cards = []
        limits: dict[str, int] = {}
        for n in range(ACCOUNTS):
            limit = CREDIT_LIMIT if n % 2 else 0
            customer = bank.create_customer(person(), core=clients.core)
            card = bank.issue_virtual_card(
                IssueCardRequest(
                    customer_id=customer.customer_id,
                    credit_limit=limit,
                    idempotency_key=f"issue-{customer.customer_id}",
                ),
                core=clients.core,
            )
            limits[card.account_id] = limit
            bank.credit(
                CreditRequest(
                    account_id=card.account_id,
                    source="bonus",
                    amount=CREDIT_OPENING_BALANCE if limit else OPENING_BALANCE,
                    currency="BYN",
                    idempotency_key=f"fund-{card.card_id}",
                ),
                core=clients.core,
            )
            cards.append(card)
        opening = sandbox.ledger()
        conserved = (
            opening["customer_total"] + opening["internal"]["BANK-TRANSIT"] + opening["internal"]["BANK-INTERBANK"]
        )
        watch = Watch(sandbox, conserved)

        rng = random.Random(SEED)
        quotes, vault = MemoryQuotes(), MemoryVault()
        plan: list[tuple[TransferState, int]] = []
        for n in range(TRANSFERS):
            source, target = rng.sample(cards, 2)
            refused = rng.random() < 0.1
            token = f"tok_{n:022d}"
            vault.numbers[token] = REFUSED_PAN if refused else target.pan.get_secret_value()
            amount = rng.randint(100, 12_000)
            quote = Quote(
                quote_id=f"q-{n:032x}",
                customer_id=f"cus-{source.card_id}",
                card_token=token,
                mask="411111******1111",
                source_card_id=source.card_id,
                source_mask=source.masked_pan,
                amount_minor=amount,
                fee_minor=FEE,
                currency="BYN",
                otp_required=False,
                created_at=datetime.now(UTC),
                expires_at=2**31,
                transfer_id=f"transfer-{SEED}-{n}",
            )
            quotes.items[quote.quote_id] = quote
            state = TransferState(
                quote_id=quote.quote_id,
                customer_id=quote.customer_id,
                chat_key="telegram:1",
                transfer_id=quote.transfer_id,
            )
            plan.append((state, amount))
        for endpoint in ("debit", "credit", "refund"):
            sandbox.faults.set("core", endpoint, FAULT)

        counter: Counter[str] = Counter()
        started = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            outcomes = list(
                pool.map(
                    lambda p: run_transfer(
                        p[0], quotes, vault, clients, random.Random(p[0].transfer_id), counter, watch
                    ),
                    plan,
                )
            )
        elapsed = time.monotonic() - started
        injected = sandbox.faults.counts()
        sandbox.faults.clear()
        watch.check()
        closing = sandbox.ledger()

        # Each transfer, by the ledger's own record of the operations carrying its id.
        db = sandbox.bank.read()
        moved: dict[str, Counter[str]] = {str(s.transfer_id): Counter() for s, _ in plan}
        for row in db.execute("SELECT reference, kind, amount FROM operations WHERE reference LIKE 'transfer-%'"):
            moved[row["reference"]][f"{row['kind']}:{row['amount']}"] += 1
        broken = []
        fees = 0
        for (state, amount), outcome in zip(plan, outcomes, strict=True):
            total = amount + FEE
            expected: dict[str, Counter[str]] = {
                "completed": Counter({f"debit:{total}": 1, f"credit:{amount}": 1}),
                "refunded": Counter({f"debit:{total}": 1, f"refund:{total}": 1}),
                "voided": Counter({f"debit:{total}": 1, f"refund:{total}": 1}),
                "not_debited": Counter(),
                "declined": Counter(),
            }
            if moved[str(state.transfer_id)] != expected[outcome]:
                broken.append((state.transfer_id, outcome, dict(moved[str(state.transfer_id)])))
            fees += FEE if outcome == "completed" else 0
        faults = sum(injected[k] for k in ("error", "timeout", "after_commit"))
        lowest = lowest_balances(sandbox)
        past_the_line = sorted(a for a, low in lowest.items() if low < -limits.get(a, 0))
        into_credit = sorted(a for a in limits if lowest.get(a, 0) < 0)
        print(
            f"\ntransfer exactly-once run (seed {SEED}): {TRANSFERS} transfers between {ACCOUNTS} accounts on "
            f"{THREADS} threads in {elapsed:.1f} s\n"
            f"  outcomes: {dict(Counter(outcomes))}\n"
            f"  faults injected: {faults} ({injected['error']} errors, {injected['timeout']} timeouts before "
            f"commit, {injected['after_commit']} failures after commit); steps {counter['steps']}, "
            f"step retries {counter['step retries']}\n"
            f"  ledger read after every step: {watch.readings} readings; drift: {watch.drift}; "
            f"accounts past their credit line: {len(watch.over_limit)} (replayed: "
            f"{len(past_the_line)}); accounts that used credit: {len(into_credit)} of {ACCOUNTS // 2}; "
            f"half-done transfers: {len(broken)}\n"
            f"  transit left: {closing['internal']['BANK-TRANSIT']} = fees of completed transfers: {fees}"
        )
        assert watch.drift == 0
        assert watch.over_limit == set() and past_the_line == []
        assert [a for a in watch.negatives if not limits[a]] == []  # a debit card never below zero
        assert into_credit and all(limits[a] for a in into_credit)  # the credit lines were used
        assert "declined" in outcomes  # and some transfers met the line
        assert broken == []
        assert closing["unbalanced_operations"] == 0
        assert closing["internal"]["BANK-TRANSIT"] - opening["internal"]["BANK-TRANSIT"] == fees
        assert closing["internal"]["BANK-INTERBANK"] == opening["internal"]["BANK-INTERBANK"]
        assert faults > 0
        # What the counter holds is what left for good: completed transfers' totals, nothing of the others.
        assert sum(counted.spent_by_day.values()) == sum(
            amount + FEE for (_, amount), outcome in zip(plan, outcomes, strict=True) if outcome == "completed"
        )
        assert {"completed", "refunded"} <= set(outcomes)
    finally:
        logger.setLevel(level)
        sandbox.stop()
