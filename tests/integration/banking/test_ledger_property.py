"""The ledger invariant under concurrency and faults, in the spirit of Jepsen's bank test.

Many threads run card-to-card transfers as the transfer journey does (debit into transit → credit the
recipient → on a refused credit, refund), through the real clients over HTTP, while the sandbox
injects errors, timeouts before commit and failures after commit on every money endpoint. Every step
is retried with its own idempotency key until it has an answer, as a state machine's Retry would.
Half the cards have a credit line and little money of their own, so transfers dip into credit and
some are declined at the line. A sampler reads the ledger all along. Then: the sum of all accounts
never moved from 0, no customer account went below minus its credit limit (nor a debit card below
zero) by the ledger's samples and by replaying every account's postings, credit was used, transit is
empty, and each transfer is completed, fully refunded, or never happened.

Beside the transfers, card purchases go through the card network in two steps, as terminals send them:
an authorization (a hold on the account, no posting), then its clearing for the same amount, less (a
fuel station) or a little more (a tip), or its reversal; the network's endpoints get the same faults.
Then also: no sample ever saw an account whose holds exceed what it could spend (balance + credit line -
holds below zero), holds were live during the run and none is left, the holds never entered the totals,
each authorization is cleared (one purchase operation of the cleared amount), reversed or declined (no
operation), and the merchants' account holds exactly the cleared amounts. ``pytest -s`` prints the
figures; LEDGER_SEED / LEDGER_TRANSFERS change the run.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from local.sandbox import Fault, Sandbox, start_sandbox
from messenger_bank.banking import service
from messenger_bank.banking.clients.http import RetryPolicy
from messenger_bank.banking.clients.keycloak import clear_token_cache
from messenger_bank.banking.models.core import CreditRequest, DebitRequest, IssueCardRequest, Operation, RefundRequest
from messenger_bank.errors import BankSystemUnavailable, CardNotFound, InsufficientFunds, LimitExceeded
from messenger_bank.observability import logger
from tests.integration.banking.conftest import FREE_PORTS, Clients, lowest_balances, person

SEED = int(os.environ.get("LEDGER_SEED", "20261124"))
TRANSFERS = int(os.environ.get("LEDGER_TRANSFERS", "1500"))
ACCOUNTS = 16
THREADS = 16
OPENING_BALANCE = 20_000
# Every other card: a credit line of 150.00 and 50.00 of its own (transfers of up to 60.00 use the line).
CREDIT_LIMIT = 15_000
CREDIT_OPENING_BALANCE = 5_000
# Per money endpoint: 8 % errors, 4 % hangs past the client's timeout, 8 % failures after commit.
FAULT = Fault(latency_ms=(0, 5), error_rate=0.08, timeout_rate=0.04, after_commit_rate=0.08, hang_seconds=0.6)
REFUSED_PAN = SecretStr("4000000000000002")  # another bank refuses credits to it: the journey refunds
# One card purchase (authorized, then cleared or reversed) for every five transfers, small enough that the
# money going to merchants leaves the transfers theirs to decline or not.
PURCHASES = TRANSFERS // 5
PURCHASE_MOST = 600
HELD_FOR_S = 0.1
NETWORK_ENDPOINTS = ("authorize", "clear_authorization", "reverse_authorization")
# How a purchase ends, in percent of the authorized amount: a fuel station's less, exact, a tip; None: reversed.
CLEARINGS: tuple[int | None, ...] = (80, 100, 100, 115, None)


def until_answered(step: Any, counter: Counter[str]) -> Operation:
    """Retry a step (same request, same key) until the bank answers, as a state machine's Retry does."""
    while True:
        try:
            result: Operation = step()
            return result
        except BankSystemUnavailable:
            counter["step retries"] += 1


def run_transfer(
    clients: Clients, tid: str, source: Any, target: Any, amount: int, refuse: bool, counter: Counter[str]
) -> str:
    core = clients.core
    try:
        debit = until_answered(
            lambda: service.debit(
                DebitRequest(
                    card_id=source.card_id,
                    amount=amount,
                    currency="BYN",
                    idempotency_key=f"{tid}:debit",
                    reference=tid,
                ),
                core=core,
            ),
            counter,
        )
    except (InsufficientFunds, LimitExceeded):
        return "declined"
    credit = CreditRequest(
        pan=REFUSED_PAN if refuse else None,
        card_id=None if refuse else target.card_id,
        debit_id=debit.operation_id,
        amount=amount,
        currency="BYN",
        idempotency_key=f"{tid}:credit",
        reference=tid,
    )
    try:
        until_answered(lambda: service.credit(credit, core=core), counter)
        return "completed"
    except CardNotFound:
        until_answered(
            lambda: service.refund(
                RefundRequest(
                    debit_id=debit.operation_id,
                    idempotency_key=f"{tid}:refund",
                    reference=tid,
                ),
                core=core,
            ),
            counter,
        )
        return "refunded"


def until_the_network_answers(call: Any, counter: Counter[str]) -> httpx.Response:
    """Send a network request again (same key) until it is answered, as a terminal retries a lost one."""
    while True:
        try:
            answer: httpx.Response = call()
        except httpx.TransportError:
            counter["network retries"] += 1
            continue
        if answer.status_code < 500:
            return answer
        counter["network retries"] += 1


def run_purchase(
    http: httpx.Client, pid: str, card: Any, amount: int, clearing: int | None, counter: Counter[str]
) -> tuple[str, str | None, int]:
    """Authorize, then clear (``clearing`` % of the amount) or reverse: (outcome, authorization id, cleared)."""
    body = {"card_id": card.card_id, "amount_minor": amount, "currency": "BYN", "mcc": "5541", "merchant": "Fuel"}
    held = until_the_network_answers(
        lambda: http.post("/network/authorizations", json=body, headers={"Idempotency-Key": f"{pid}:auth"}), counter
    )
    if held.status_code == 422:
        assert held.json()["error"]["code"] in {"insufficient_funds", "limit_exceeded"}, held.text
        return "declined", None, 0
    assert held.status_code == 200, held.text
    authorization_id = str(held.json()["authorization_id"])
    time.sleep(HELD_FOR_S)  # the merchant clears (or reverses) later: the hold lives while transfers run
    if clearing is not None:
        cleared_amount = max(amount * clearing // 100, 1)
        cleared = until_the_network_answers(
            lambda: http.post(
                f"/network/authorizations/{authorization_id}/clearing",
                json={"amount_minor": cleared_amount},
                headers={"Idempotency-Key": f"{pid}:clear"},
            ),
            counter,
        )
        if cleared.status_code == 200:
            return "cleared", authorization_id, cleared_amount
        # A tip the account cannot cover beside its other holds: the merchant reverses instead.
        assert cleared.json()["error"]["code"] == "insufficient_funds", cleared.text
    reversed_ = until_the_network_answers(
        lambda: http.post(
            f"/network/authorizations/{authorization_id}/reversal", headers={"Idempotency-Key": f"{pid}:reverse"}
        ),
        counter,
    )
    assert reversed_.status_code == 200, reversed_.text
    return "reversed", authorization_id, 0


@pytest.mark.slow
def test_no_money_appears_or_vanishes_under_concurrent_faulty_transfers(tmp_path: Path) -> None:
    clear_token_cache()
    level = logger.log_level
    logger.setLevel("ERROR")  # thousands of "bank call retried" lines would bury the figures
    sandbox: Sandbox = start_sandbox(tmp_path / "ledger", ports=FREE_PORTS, seed=SEED)
    try:
        clients = Clients(
            sandbox,
            timeout=httpx.Timeout(0.3, connect=1.0),
            policy=RetryPolicy(max_retries=2, backoff_base=0.005, backoff_max=0.02),
        )
        cards = []
        limits: dict[str, int] = {}
        for n in range(ACCOUNTS):
            limit = CREDIT_LIMIT if n % 2 else 0
            customer = service.create_customer(person(), core=clients.core)
            card = service.issue_virtual_card(
                IssueCardRequest(
                    customer_id=customer.customer_id,
                    credit_limit=limit,
                    idempotency_key=f"issue-{customer.customer_id}",
                ),
                core=clients.core,
            )
            limits[card.account_id] = limit
            service.credit(
                CreditRequest(
                    account_id=card.account_id,
                    source="bonus",
                    amount=CREDIT_OPENING_BALANCE if limit else OPENING_BALANCE,
                    currency="BYN",
                    idempotency_key=f"open-{card.card_id}",
                ),
                core=clients.core,
            )
            cards.append(card)
        opening = sandbox.ledger()
        for endpoint in ("debit", "credit", "refund"):
            sandbox.faults.set("core", endpoint, FAULT)
        for endpoint in NETWORK_ENDPOINTS:
            sandbox.faults.set("network", endpoint, FAULT)
        network = httpx.Client(base_url=sandbox.urls["network"], timeout=httpx.Timeout(0.3, connect=1.0))

        samples: list[dict[str, Any]] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append(sandbox.ledger())
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        rng = random.Random(SEED)
        plan = []
        for n in range(TRANSFERS):
            source, target = rng.sample(cards, 2)
            plan.append((f"t{n:05d}", source, target, rng.randint(1, 6_000), rng.random() < 0.1))
        shopping = [
            (f"p{n:05d}", rng.choice(cards), rng.randint(1, PURCHASE_MOST), rng.choice(CLEARINGS))
            for n in range(PURCHASES)
        ]
        # Purchases interleaved with the transfers, in a seeded order, so that holds live while money moves.
        work: list[tuple[str, Any]] = [("transfer", p) for p in plan] + [("purchase", p) for p in shopping]
        rng.shuffle(work)
        counter: Counter[str] = Counter()
        started = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            futures = [
                pool.submit(run_transfer, clients, *p, counter=counter)
                if kind == "transfer"
                else pool.submit(run_purchase, network, *p, counter=counter)
                for kind, p in work
            ]
            done = {p[0]: future.result() for (_, p), future in zip(work, futures, strict=True)}
        outcomes: dict[str, str] = {p[0]: done[p[0]] for p in plan}
        purchases: dict[str, tuple[str, str | None, int]] = {p[0]: done[p[0]] for p in shopping}
        elapsed = time.monotonic() - started
        network.close()
        stop.set()
        sampler.join()
        sandbox.faults.clear()
        closing = sandbox.ledger()
        samples.append(closing)

        # Every transfer is completed, fully refunded, or never happened, by the ledger's own record.
        db = sandbox.bank.read()
        kinds = {tid: Counter[str]() for tid in outcomes}
        for row in db.execute("SELECT reference, kind FROM operations WHERE reference LIKE 't%'"):
            kinds[row["reference"]][row["kind"]] += 1
        expected = {
            "completed": Counter(debit=1, credit=1),
            "refunded": Counter(debit=1, refund=1),
            "declined": Counter[str](),
        }
        broken = [tid for tid, outcome in outcomes.items() if kinds[tid] != expected[outcome]]
        drift = max(abs(s["total"]) for s in samples)
        over_limit = sorted({a for s in samples for a in s["accounts_over_limit"]})
        negatives = sorted({a for s in samples for a in s["negative_customer_accounts"]})
        lowest = lowest_balances(sandbox)
        past_the_line = sorted(a for a, low in lowest.items() if low < -limits.get(a, 0))
        into_credit = sorted(a for a in limits if lowest.get(a, 0) < 0)
        injected = sandbox.faults.counts()
        left_the_bank = closing["internal"]["BANK-INTERBANK"]
        # Each authorization by the ledger's own record: its status, and the purchase operation it became.
        over_available = sorted({a for s in samples for a in s["accounts_over_available"]})
        most_held = max(s["holds"] for s in samples)
        holds = {r["id"]: (r["status"], r["operation_id"]) for r in db.execute("SELECT * FROM holds")}
        posted = {
            json.loads(r["meta"]).get("authorization_id"): int(r["amount"])
            for r in db.execute("SELECT amount, meta FROM operations WHERE kind = 'purchase'")
        }
        wrong_purchases = [
            pid
            for pid, (outcome, authorization_id, cleared) in purchases.items()
            if (outcome == "declined" and authorization_id is not None)
            or (
                outcome == "cleared"
                and (holds[str(authorization_id)][0], posted.get(authorization_id)) != ("cleared", cleared)
            )
            or (
                outcome == "reversed"
                and (holds[str(authorization_id)], posted.get(authorization_id)) != (("reversed", None), None)
            )
        ]
        cleared_total = sum(cleared for _, _, cleared in purchases.values())
        merchants = closing["internal"]["BANK-MERCHANTS"]
        print(  # the figures of the run, shown with -s
            f"\nledger property run (seed {SEED}): {TRANSFERS} transfers between {ACCOUNTS} accounts on {THREADS} "
            f"threads in {elapsed:.1f} s\n"
            f"  outcomes: {dict(Counter(outcomes.values()))}\n"
            f"  faults injected: {injected['error']} errors, {injected['timeout']} timeouts before commit, "
            f"{injected['after_commit']} failures after commit; "
            f"steps retried after the client's own retries ran out: {counter['step retries']}\n"
            f"  ledger samples: {len(samples)}; drift of the total: {drift}; accounts past their credit line: "
            f"{len(over_limit)} (replayed: {len(past_the_line)}); accounts that used credit: {len(into_credit)} "
            f"of {ACCOUNTS // 2}; half-done transfers: {len(broken)}; "
            f"transit left: {closing['internal']['BANK-TRANSIT']}\n"
            f"  purchases: {dict(Counter(p[0] for p in purchases.values()))}; most held at once: {most_held}; "
            f"accounts whose holds exceeded what they could spend: {len(over_available)}; wrong purchases: "
            f"{len(wrong_purchases)}; network requests retried: {counter['network retries']}\n"
            f"  customer money: {opening['customer_total']} before, {closing['customer_total']} after + "
            f"{left_the_bank} sent to other banks + {merchants} paid to merchants"
        )
        assert drift == 0
        assert over_limit == [] and past_the_line == []
        assert [a for a in negatives if not limits[a]] == []  # a debit card never below zero
        assert into_credit and all(limits[a] for a in into_credit)  # the credit lines were used
        assert "declined" in outcomes.values()  # and some transfers met the line
        assert closing["unbalanced_operations"] == 0
        assert broken == []
        assert closing["internal"]["BANK-TRANSIT"] == 0
        assert closing["customer_total"] + left_the_bank + merchants == opening["customer_total"]
        assert left_the_bank == 0  # refused credits were all refunded
        assert sum(injected[k] for k in ("error", "timeout", "after_commit")) > 0
        # Holds: reservations beside the ledger, never past what an account could spend, all released.
        assert over_available == []
        assert most_held > 0 and closing["holds"] == 0
        assert [h for h, (status, _) in holds.items() if status == "held"] == []
        assert wrong_purchases == []
        assert merchants == cleared_total > 0
        assert {"cleared", "reversed", "declined"} <= {p[0] for p in purchases.values()}
    finally:
        logger.setLevel(level)
        sandbox.stop()
