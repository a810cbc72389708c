"""Card purchases: from the card network's purchase to the notice in the chat, on a local cloud of its own.

The clock starts when a merchant's terminal POSTs the purchase to the sandbox's card network and stops when
the fake messenger has recorded the customer's notice (amount, merchant, available, cashback). In between:
the network clears it in the ledger, core banking pushes the event to POST /internal/card-events (through
the Keycloak authorizer), the card-events function accrues the cashback and tells the chat.

One funded Telegram customer buys, one purchase after the other, alternately at Burger King (a partner)
and at a grocery; one warm-up purchase absorbs the cold starts and is not counted. With ``--realistic``
every sandbox call (the network's own included) takes 150-300 ms, as the other journeys' benches run.
Purchases are ``--gap`` seconds apart: the bank paces its sends to about one message a second per chat
(Telegram's limit, channels/ratelimit.py), so back-to-back purchases would measure that pace (~1 s each).
Each round's p50 / p95 is printed, and the median of the rounds' figures.

    python -m bench purchases [--runs 20] [--rounds 3] [--gap 1.2] [--realistic]
"""

from __future__ import annotations

import argparse
import time
from itertools import count

import httpx

from bench.stats import median, percentile
from bench.webhooks import local_cloud
from local.chat import Chat, Person, onboard
from local.cloud.cloud import LocalCloud
from local.sandbox.ledger import EQUITY

FUNDS = 1_000_000  # 10 000.00 BYN: far more than the runs spend
MERCHANTS = (("Burger King Nemiga", "5814"), ("Evroopt", "5411"))
NOTICE_TIMEOUT_S = 30.0
_keys = count(1)


def funded_customer(cloud: LocalCloud) -> tuple[Chat, str]:
    """A new Telegram customer with a digital card holding FUNDS; the chat and the card id."""
    person = Person()
    chat = Chat(cloud, "telegram", f"69{person.number:06d}", phone=person.phone)
    onboard(chat, person)
    chat.wait_for("карта готова")
    bank = cloud.sandbox.bank
    customer = bank.find_customer_by_phone(person.phone)
    assert customer is not None, "onboarding did not reach the bank"
    card = bank.cards_of(customer["id"])[0]
    with bank.write() as db:
        bank.post(db, "bonus", [(EQUITY, -FUNDS), (card["account_id"], FUNDS)], FUNDS, reference="bench funding")
    return chat, str(card["id"])


def one_purchase(cloud: LocalCloud, chat: Chat, card_id: str, index: int) -> float:
    """Seconds from the terminal's request to the notice recorded by the messenger."""
    merchant, mcc = MERCHANTS[index % len(MERCHANTS)]
    shown = len(chat.messages())
    started = time.perf_counter()
    answer = httpx.post(
        f"{cloud.sandbox.urls['network']}/network/purchases",
        json={"card_id": card_id, "amount_minor": 1_000 + index, "currency": "BYN", "mcc": mcc, "merchant": merchant},
        headers={"Idempotency-Key": f"bench-{next(_keys)}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    deadline = started + NOTICE_TIMEOUT_S
    while time.perf_counter() < deadline:
        if any(merchant in str(m.get("text") or "") for m in chat.messages()[shown:]):
            return time.perf_counter() - started
        time.sleep(0.01)
    raise AssertionError(f"no notice of the purchase at {merchant} in {NOTICE_TIMEOUT_S:.0f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench purchases", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="purchases per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gap", type=float, default=1.2, help="seconds between two purchases (not counted)")
    parser.add_argument("--realistic", action="store_true", help="150-300 ms on every sandbox call")
    args = parser.parse_args(argv)
    latency = "at realistic latency (150-300 ms per call)" if args.realistic else "without added latency"
    print(
        f"  local cloud of its own, bank sandbox {latency}; {args.rounds} round(s) of {args.runs} purchases by one "
        "funded Telegram customer, alternately at Burger King and a grocery; clock: the network's purchase "
        f"request → the notice recorded by the messenger; {args.gap} s between purchases"
    )
    with local_cloud() as cloud:
        chat, card_id = funded_customer(cloud)
        if args.realistic:
            cloud.sandbox.faults.realistic()
        print(f"  warm-up (cold starts): {one_purchase(cloud, chat, card_id, 0):.2f} s")
        p50s, p95s = [], []
        for round_ in range(1, args.rounds + 1):
            times = []
            for i in range(args.runs):
                time.sleep(args.gap)
                times.append(one_purchase(cloud, chat, card_id, i) * 1000)
            p50s.append(percentile(times, 0.5))
            p95s.append(percentile(times, 0.95))
            print(
                f"  round {round_}: p50 {p50s[-1]:7.1f} ms  p95 {p95s[-1]:7.1f} ms  max {max(times):7.1f} ms  "
                f"(n={len(times)})"
            )
        print(f"  median of {args.rounds} rounds: p50 {median(p50s):.1f} ms  p95 {median(p95s):.1f} ms")
        totals = cloud.sandbox.ledger()
        print(f"  ledger: total {totals['total']}, unbalanced operations {totals['unbalanced_operations']}")
