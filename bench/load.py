"""Load on the local cloud: signed webhooks from the four messengers at a set rate for a set time, open
loop (each message goes at its time whatever the replies, so overload shows as lateness and backlog, not as
a slower sender), a realistic mix (bench/load_plan.py: mostly the menu and the balance, some transfers
between the test customers, a few card issuances), then the checks: every message got exactly its replies
(counted from the fake platforms' recorded outbound calls), no money moved twice (the sandbox ledger), and
nothing stayed on the inbound queue, its dead-letter queue or in a running journey. Customers and
applicants are prepared before the clock starts (onboarded, funded; applicants up to their summary).

Prints the sustained messages per second, p50 / p99 from the webhook to the first reply; `--ramp` steps the
rate up (×`--factor` per step of `--seconds`) until a step does not keep up (load_plan.Bound: p99 over
`--p99-bound` s, more than `--backlog-bound` s of arrivals still queued when the sending stops, or a message
not answered) and names the last rate that did.

    python -m bench load [--rate 1] [--seconds 60] [--customers 8] [--issuances 2]
    python -m bench load --ramp [--rate 0.25] [--factor 2] [--max-rate 8] [--seconds 30]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.load_plan import (
    CHANNELS,
    PICTURE,
    Bound,
    Message,
    Operation,
    Plan,
    Reply,
    Sent,
    StepFigures,
    Verdict,
    check_money,
    check_replies,
    expected_replies,
    figures,
    ramp_rates,
    reply_kind,
    reply_words,
    schedule,
)
from bench.webhooks import local_cloud
from local.chat import Chat, Person, onboard
from local.cloud.cloud import LocalCloud
from local.sandbox.ledger import EQUITY
from messenger_bank.conversation.catalogue import text

FUNDS = 1_000_000  # 10 000.00 BYN a customer: far more than any run moves
PREPARE_THREADS = 3
PREPARE_TRIES = 3
SENDER_THREADS = 64
DRAIN_S = 240.0  # after the last message, how long replies may take before the check counts them missing


@dataclass
class Party:
    """A test customer (funded, with a card) or an applicant (at their summary, the Confirm's payload known)."""

    name: str
    chat: Chat
    account: str = ""
    pan: str = ""
    confirm_payload: str = ""


# ------------------------------------------------------------------------------------- preparation
def _user_id(channel: str, person: Person, prefix: str) -> str:
    return person.phone.lstrip("+") if channel == "whatsapp" else f"{prefix}{person.number:06d}"


def prepare_customer(cloud: LocalCloud, name: str, channel: str) -> Party:
    person = Person()
    chat = Chat(cloud, channel, _user_id(channel, person, "55"), phone=person.phone)
    onboard(chat, person)
    chat.wait_for(text("issuance.card_issued", "ru").split("{")[0])
    bank = cloud.sandbox.bank
    customer = bank.find_customer_by_phone(person.phone)
    assert customer is not None, "onboarding did not reach the bank"
    card = bank.cards_of(customer["id"])[0]
    with bank.write() as db:
        bank.post(db, "credit", [(EQUITY, -FUNDS), (card["account_id"], FUNDS)], FUNDS, reference="bench funding")
    return Party(name, chat, account=str(card["account_id"]), pan=str(card["pan"]))


def prepare_applicant(cloud: LocalCloud, name: str, channel: str) -> Party:
    person = Person()
    chat = Chat(cloud, channel, _user_id(channel, person, "56"), phone=person.phone)
    onboard(chat, person, confirm=False)
    return Party(name, chat, confirm_payload=chat.button("верно"))


def prepare(cloud: LocalCloud, customers: int, applicants: int) -> tuple[dict[str, Party], list[str], list[str]]:
    """Customers and applicants, the messengers in turn, a few at a time; not timed."""
    jobs = [(f"customer-{i}", CHANNELS[i % len(CHANNELS)], prepare_customer) for i in range(customers)]
    jobs += [(f"applicant-{i}", CHANNELS[i % len(CHANNELS)], prepare_applicant) for i in range(applicants)]

    def attempt(job: tuple[str, str, Callable[[LocalCloud, str, str], Party]]) -> Party:
        # Not timed: an onboarding that met a cold start's 503 (the API front's 30 s) starts over as a new person.
        for tries_left in range(PREPARE_TRIES - 1, -1, -1):
            try:
                return job[2](cloud, job[0], job[1])
            except AssertionError:
                if not tries_left:
                    raise
        raise AssertionError("unreachable")

    # One per messenger alone first: each messenger's webhook function and the rest have their cold starts
    # out of the way before a few onboard at once.
    first = len(CHANNELS)
    parties = [attempt(job) for job in jobs[:first]]
    with concurrent.futures.ThreadPoolExecutor(PREPARE_THREADS) as pool:
        parties += list(pool.map(attempt, jobs[first:]))
    by_name = {p.name: p for p in parties}
    return by_name, [p.name for p in parties if p.account], [p.name for p in parties if p.confirm_payload]


# ------------------------------------------------------------------------------------- sending
def _send(party: Party, message: Message, parties: dict[str, Party]) -> dict[str, Any]:
    chat = party.chat
    if message.turn == "menu":
        return chat._send("text", text="меню")
    if message.turn == "balance":
        return chat._send("text", text="баланс")
    if message.turn == "transfer_ask":
        return chat._send("text", text="перевод")
    if message.turn == "transfer_card":
        assert message.transfer_to is not None
        return chat._send("text", text=parties[message.transfer_to].pan)
    if message.turn == "transfer_amount":
        return chat._send("text", text=f"{5}")
    if message.turn == "transfer_confirm":
        return chat._send("text", text="да")
    if message.turn == "issuance_confirm":
        return chat._send("button", payload=party.confirm_payload)
    raise ValueError(message.turn)


def send_open_loop(cloud: LocalCloud, plan: Plan, parties: dict[str, Party]) -> tuple[list[Sent], list[float], int]:
    """Each message posted at its time from a pool of senders (never waiting for a reply); one chat's
    messages posted in the plan's order. The Sent records (plan order), when each was due (epoch), and the
    updates on the inbound queue when the last was posted."""
    start = time.time() + 0.5
    due = [start + m.at for m in plan.messages]
    sent: list[Sent | None] = [None] * len(plan.messages)
    posted_events = [threading.Event() for _ in plan.messages]
    previous: dict[str, int] = {}
    before: list[int | None] = []
    for index, message in enumerate(plan.messages):
        before.append(previous.get(message.chat))
        previous[message.chat] = index

    def post(index: int) -> None:
        message = plan.messages[index]
        party = parties[message.chat]
        earlier = before[index]
        try:
            if earlier is not None:
                posted_events[earlier].wait()
            began = time.time()
            status: int | None
            try:
                answer = _send(party, message, parties)
                status = answer.get("status")
            except Exception:  # a refusal to build the update counts as not delivered, and the check says so
                status = None
            sent[index] = Sent(party.name, party.chat.channel, message.turn, began, status)
        finally:
            posted_events[index].set()

    with concurrent.futures.ThreadPoolExecutor(SENDER_THREADS, thread_name_prefix="load-sender") as pool:
        for index in range(len(plan.messages)):
            pause = due[index] - time.time()
            if pause > 0:
                time.sleep(pause)
            pool.submit(post, index)
        pool.shutdown(wait=True)
        backlog = inbound_backlog(cloud)[0]
    return [s for s in sent if s is not None], due, backlog


# ------------------------------------------------------------------------------------- reading back
def meant() -> dict[str, str]:
    """Each expected reply's catalogue key → the fixed start of its Russian text (before any value)."""
    keys = {key for turn in _all_turns() for channel in CHANNELS for key in expected_replies(channel, turn)}
    return {key: text(key, "ru").split("{")[0] for key in sorted(keys - {PICTURE})}


def _all_turns() -> list[str]:
    return [
        "menu",
        "balance",
        "transfer_ask",
        "transfer_card",
        "transfer_amount",
        "transfer_confirm",
        "issuance_confirm",
        "transfer_received",
    ]


def replies_of(cloud: LocalCloud, parties: dict[str, Party], since_seq: int) -> dict[str, list[Reply]]:
    words = meant()
    out: dict[str, list[Reply]] = {}
    for name, party in parties.items():
        records = cloud.platforms.store.recorded(party.chat.channel, party.chat.chat_id)
        replies = []
        for record in records:
            if record["seq"] <= since_seq:
                continue
            kind = reply_kind(record, words)
            if kind is not None:
                replies.append(Reply(int(record["seq"]), float(record["time"]), kind, reply_words(record)[:60]))
        out[name] = replies
    return out


def inbound_backlog(cloud: LocalCloud) -> tuple[int, int]:
    """(updates on the inbound queue, in its dead-letter queue), visible or in flight."""
    assert cloud.stack is not None
    sqs = cloud.client("sqs")
    counts = []
    for queue in ("InboundQueue", "InboundDeadLetterQueue"):
        attributes = sqs.get_queue_attributes(
            QueueUrl=str(cloud.stack.physical[queue]),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        counts.append(
            int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])
        )
    return counts[0], counts[1]


def running_journeys(cloud: LocalCloud) -> dict[str, int]:
    assert cloud.stack is not None
    sfn = cloud.client("stepfunctions")
    running = {}
    for logical, arn in cloud.stack.state_machines.items():
        count = len(sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"])
        if count:
            running[logical] = count
    return running


def ledger(cloud: LocalCloud) -> tuple[list[Operation], int]:
    bank = cloud.sandbox.bank
    rows = bank.read().execute("SELECT id, kind, amount, reference, debit_id FROM operations").fetchall()
    operations = [Operation(r["id"], r["kind"], int(r["amount"]), r["reference"], r["debit_id"]) for r in rows]
    return operations, int(bank.totals()["total"])


# ------------------------------------------------------------------------------------- one step
@dataclass
class StepResult:
    figures: StepFigures
    verdict: Verdict
    money_problems: list[str]
    left_queued: int
    left_dead: int
    left_running: dict[str, int]
    plan: Plan

    @property
    def lost(self) -> int:
        return len(self.verdict.missing) + len(self.verdict.refused)

    @property
    def clean(self) -> bool:
        return (
            self.verdict.exactly_once
            and not self.money_problems
            and not self.left_queued
            and not self.left_dead
            and not self.left_running
        )


def run_step(
    cloud: LocalCloud,
    rate: float,
    seconds: float,
    parties: dict[str, Party],
    customers: list[str],
    applicants: list[str],
    drain_s: float = DRAIN_S,
) -> StepResult:
    plan = schedule(rate, seconds, customers, applicants, seed=int(rate * 10))
    for message in plan.messages:
        if message.turn == "issuance_confirm":
            applicants.remove(message.chat)  # an applicant confirms once
    bank = cloud.sandbox.bank
    accounts = {parties[c].account: c for c in customers}
    before = {account: bank.balance(account) for account in accounts}
    since_seq = max((r["seq"] for r in cloud.platforms.store.recorded()), default=0)
    earlier = {op.id for op in ledger(cloud)[0]}  # an earlier step's transfers are not this one's
    sent, due, backlog = send_open_loop(cloud, plan, parties)
    notices = Counter(recipient for _, recipient in plan.transfers)

    deadline = time.monotonic() + drain_s
    while True:
        verdict = check_replies(sent, replies_of(cloud, parties, since_seq), notices)
        queued, dead = inbound_backlog(cloud)
        running = running_journeys(cloud)
        if (not verdict.missing and not queued and not running) or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    time.sleep(2.0)  # a duplicate would come right after the original: give it the time to show
    verdict = check_replies(sent, replies_of(cloud, parties, since_seq), notices)
    queued, dead = inbound_backlog(cloud)
    operations, total = ledger(cloud)
    confirmed = [
        (parties[s].account, parties[r].account)
        for (s, r), message in zip(plan.transfers, _confirms(plan), strict=True)
        if message
    ]
    after = {account: bank.balance(account) for account in accounts}
    problems = check_money([op for op in operations if op.id not in earlier], confirmed, before, after, total)
    return StepResult(
        figures(rate, sent, verdict, due, backlog), verdict, problems, queued, dead, running_journeys(cloud), plan
    )


def _confirms(plan: Plan) -> list[bool]:
    """Per transfer of the plan, whether its "да" was in the plan (always: a transfer is never left half-typed)."""
    confirms: dict[str, int] = Counter(m.chat for m in plan.messages if m.turn == "transfer_confirm")
    out = []
    for sender, _ in plan.transfers:
        out.append(confirms[sender] > 0)
        confirms[sender] -= 1
    return out


# ------------------------------------------------------------------------------------- report
def parties_channel(name: str) -> str:
    """The messenger of a bench party, as prepare() hands them out (in turn by number)."""
    return CHANNELS[int(name.rsplit("-", 1)[1]) % len(CHANNELS)]


def report_step(step: StepResult, bound: Bound | None = None) -> None:
    f = step.figures
    mix = ", ".join(f"{kind} {count}" for kind, count in step.plan.visits.most_common())
    turns = Counter(m.turn for m in step.plan.messages)
    print(f"  offered {f.offered_rate:.1f} msg/s: {f.sent} messages posted in {f.send_window_s:.1f} s ({mix} visits)")
    print("    turns: " + ", ".join(f"{t} {n}" for t, n in turns.most_common()))
    print(
        f"    sustained {f.sustained_rate:.2f} msg/s answered ({f.answered} of {f.sent} fully answered, first post → "
        f"last first reply {f.last_reply_s:.1f} s)"
    )
    print(f"    webhook → first reply: p50 {f.p50_s:.2f} s  p99 {f.p99_s:.2f} s")
    waits = [(w, m) for w, m in zip(step.verdict.first_reply_s, step.plan.messages, strict=False) if w is not None]
    slowest = sorted(waits, key=lambda pair: -pair[0])[:3]
    shown = ", ".join(f"{m.turn} of {m.chat} ({parties_channel(m.chat)}) {w:.1f} s" for w, m in slowest)
    print(f"    slowest: {shown}")
    print(f"    inbound queue when the sending stopped: {f.backlog} updates; posts more than 1 s late: {f.late_posts}")
    v = step.verdict
    print(
        f"    exactly its replies: {'yes' if v.exactly_once else 'NO'} — missing {len(v.missing)}, "
        f"unexpected {len(v.unexpected)}, webhook not 200: {len(v.refused)} (lost: {step.lost})"
    )
    for index, kind in v.missing[:5]:
        shown = (
            f"message {index} ({step.plan.messages[index].chat} {step.plan.messages[index].turn})" if index >= 0 else ""
        )
        print(f"      missing {kind} {shown}")
    for chat, reply in v.unexpected[:5]:
        print(f"      unexpected {reply.kind} in {chat} (seq {reply.seq}): {reply.words!r}")
    print(
        f"    money: {len(step.plan.transfers)} transfers confirmed; "
        + ("each debited and credited once, balances and ledger hold" if not step.money_problems else "PROBLEMS")
    )
    for problem in step.money_problems[:5]:
        print(f"      {problem}")
    print(
        f"    left behind: inbound queue {step.left_queued}, dead-letter queue {step.left_dead}, running journeys "
        f"{dict(step.left_running) or 0}"
    )
    if bound is not None:
        kept, why = bound.kept_up(f)
        print(f"    {'kept up' if kept else 'did NOT keep up'}: {why}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1.0, help="messages per second (the ramp's first step)")
    parser.add_argument("--seconds", type=float, default=60.0, help="sending time (of each ramp step)")
    parser.add_argument("--customers", type=int, default=8, help="test customers, the messengers in turn")
    parser.add_argument("--issuances", type=int, default=2, help="applicants prepared for card issuances")
    parser.add_argument("--ramp", action="store_true", help="step the rate up until it stops keeping up")
    parser.add_argument("--factor", type=float, default=2.0, help="ramp: rate multiplier per step")
    parser.add_argument("--max-rate", type=float, default=8.0, help="ramp: highest rate tried")
    parser.add_argument("--p99-bound", type=float, default=Bound.p99_s, help="kept up: p99 to first reply, s")
    parser.add_argument("--backlog-bound", type=float, default=Bound.backlog_seconds, help="kept up: queued, s")
    parser.add_argument("--realistic-bank", action="store_true", help="bank sandbox at 150-300 ms a call")
    args = parser.parse_args(argv)
    bound = Bound(args.p99_bound, args.backlog_bound)
    rates = ramp_rates(args.rate, args.factor, args.max_rate) if args.ramp else [args.rate]
    applicants_n = args.issuances * (len(rates) if args.ramp else 1)

    print("load: signed webhooks from telegram, viber, whatsapp and messenger, open loop, on a local cloud of its own")
    print(
        f"  {'ramp ' + ', '.join(f'{r:g}' for r in rates) + ' msg/s' if args.ramp else f'{args.rate:g} msg/s'}, "
        f"{args.seconds:g} s {'a step' if args.ramp else ''}; {args.customers} customers, up to {applicants_n} "
        f"card issuances; bank sandbox {'at 150-300 ms a call' if args.realistic_bank else 'at full speed'}"
    )
    started = time.monotonic()
    with local_cloud() as cloud:
        print(f"  (local cloud up in {time.monotonic() - started:.1f} s)")
        sys.stdout.flush()
        setup = time.monotonic()
        parties, customers, applicants = prepare(cloud, args.customers, applicants_n)
        print(
            f"  ({len(customers)} customers onboarded and funded, {len(applicants)} applicants at their summary, "
            f"in {time.monotonic() - setup:.0f} s, not timed)"
        )
        if args.realistic_bank:
            cloud.sandbox.faults.realistic()
        sys.stdout.flush()
        results: list[StepResult] = []
        for rate in rates:
            step_applicants = applicants[: args.issuances]
            del applicants[: args.issuances]
            result = run_step(cloud, rate, args.seconds, parties, customers, step_applicants)
            results.append(result)
            report_step(result, bound if args.ramp else None)
            if args.ramp and not bound.kept_up(result.figures)[0]:
                break
    lost = sum(r.lost for r in results)
    clean = all(r.clean for r in results)
    print(
        f"  total: {sum(r.figures.sent for r in results)} messages, lost {lost}, "
        f"all checks {'passed' if clean else 'NOT passed'}"
    )
    if args.ramp:
        kept = [r.figures.offered_rate for r in results if bound.kept_up(r.figures)[0]]
        last = results[-1].figures
        if len(kept) == len(results):
            print(f"  kept up at every rate tried, up to {kept[-1]:g} msg/s (raise --max-rate)")
        else:
            print(
                f"  stops keeping up at {last.offered_rate:g} msg/s ({bound.kept_up(last)[1]}); kept up at "
                f"{kept[-1]:g} msg/s"
                if kept
                else f"  did not keep up even at {last.offered_rate:g} msg/s"
            )
            print(
                f"  (bound: p99 webhook → first reply ≤ {bound.p99_s:g} s, at most {bound.backlog_seconds:g} s of "
                "arrivals queued when the sending stops, every message answered)"
            )
    if not clean:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
