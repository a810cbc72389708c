"""Transfers to a card number, measured on a local cloud of its own with the bank sandbox at realistic
latencies (150-300 ms on every bank call). The clock runs from the customer's Confirm (the button press
POSTed to the messenger's webhook) to the receipt picture and its "Перевод выполнен" text recorded by
the fake messenger.

1. Sequential: one funded customer (Telegram) sends N transfers of 20.00 BYN to another bank's card,
   one after the other (the quote is shown before the clock starts): p50 / p95 / max; from every
   execution's Step Functions history the state transitions (StateEntered events; in a Standard
   workflow every one is billed, and so is every retry of a task) and the median duration per state.
2. Concurrent: K other funded customers (the messengers in turn) each hold a quote, then all press
   Confirm at the same moment (one thread each), for a few rounds: transfers completed per second
   (rounds' wall time, first press to last receipt) and p50 / p95 under that load.

Customers are onboarded and funded (a bonus credit posted in the sandbox ledger) before the sandbox
is slowed down; one warm-up transfer per customer absorbs the cold starts and is not counted.

    python -m bench transfers [--runs 20] [--concurrency 4] [--rounds 3] [--max-seconds 900]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bench.stats import epoch, median, percentile
from bench.webhooks import local_cloud
from local.chat import Chat, Person, buttons_in, onboard
from local.cloud.cloud import LocalCloud
from local.sandbox.ledger import EQUITY

CHANNELS = ("telegram", "viber", "whatsapp", "messenger")
RECIPIENT_PAN = "4111 1111 1111 1111"  # another bank's card: the credit leaves through BANK-INTERBANK
AMOUNT = "20"  # 20.00 BYN + 1.00 BYN fee: far below the one-time-code threshold and the daily limit
FUNDS = 1_000_000  # 10 000.00 BYN
RUN_TIMEOUT_S = 60.0
PRICE_PER_1000_TRANSITIONS_USD = 0.025  # Standard workflows, us-east-1
RESUMED = "press → AwaitConfirmation exited (webhook, queue, conversation, SendTaskSuccess)"
BETWEEN = "between states, until delivered (transitions, delivery)"


@dataclass
class Customer:
    chat: Chat
    account: str


@dataclass
class Run:
    channel: str
    total_s: float | None = None  # confirmation → receipt delivered
    confirmed_at: float = 0.0  # epoch seconds of the press
    parked_s: float = 0.0  # quote shown → the journey's confirm token parked
    transitions: int = 0  # StateEntered events
    retries: int = 0  # task attempts beyond the first (billed as transitions too)
    steps: dict[str, float] = field(default_factory=dict)  # step → seconds, after the press
    before_press: dict[str, float] = field(default_factory=dict)  # states done before the press
    order: list[str] = field(default_factory=list)
    status: str = ""
    failure: str | None = None


# ------------------------------------------------------------------------------------------ the chat
def new_customer(cloud: LocalCloud, channel: str) -> Customer:
    """A new customer with a digital card and FUNDS on it (a bonus credit, as the bank's core posts it)."""
    person = Person()
    user_id = person.phone.lstrip("+") if channel == "whatsapp" else f"66{person.number:06d}"
    chat = Chat(cloud, channel, user_id, phone=person.phone)
    onboard(chat, person)
    chat.wait_for("карта готова")
    bank = cloud.sandbox.bank
    customer = bank.find_customer_by_phone(person.phone)
    assert customer is not None, "onboarding did not reach the bank"
    account = str(bank.cards_of(customer["id"])[0]["account_id"])
    with bank.write() as db:
        bank.post(db, "credit", [(EQUITY, -FUNDS), (account, FUNDS)], FUNDS, reference="bench funding")
    return Customer(chat, account)


def _step(chat: Chat, send: dict[str, Any], text_part: str, since: int) -> dict[str, Any]:
    """The first bot message after index `since` containing `text_part` (or a button labelled so)."""
    assert send["status"] == 200, send
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        for message in chat.messages()[since:]:
            if text_part in str(message.get("text") or "") + json.dumps(message.get("markup"), ensure_ascii=False):
                return message
        time.sleep(0.05)
    raise AssertionError(f"no {text_part!r} in {RUN_TIMEOUT_S:.0f} s; the bot said: {chat.texts()[-300:]!r}")


def quote(chat: Chat) -> str:
    """Ask for a transfer up to its quote (fee and total); the payload of that quote's Confirm button.
    Each step waits for its own answer (not for a count of messages: replies can land late)."""
    since = len(chat.messages())
    _step(chat, chat._send("text", text="перевод"), "Номер карты", since)
    since = len(chat.messages())
    _step(chat, chat._send("text", text=RECIPIENT_PAN), "Сколько перевести", since)
    since = len(chat.messages())
    shown = _step(chat, chat._send("text", text=AMOUNT), "Подтвердить", since)
    for label, payload in buttons_in(shown.get("markup")):
        if "Подтвердить" in label:
            return payload
    raise AssertionError(f"no Confirm button on the quote: {shown.get('text')!r}")


# ----------------------------------------------------------------------------- the execution history


def executions_of(cloud: LocalCloud, machine_arn: str, chat: Chat, known: set[str]) -> list[dict[str, Any]]:
    sfn = cloud.client("stepfunctions")
    found = []
    for execution in sfn.list_executions(stateMachineArn=machine_arn)["executions"]:
        if execution["executionArn"] in known:
            continue
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution["executionArn"])
        if json.loads(described.get("input") or "{}").get("chat_key") == chat.chat_key:
            found.append(described)
    return found


def history(cloud: LocalCloud, execution: dict[str, Any]) -> list[dict[str, Any]]:
    sfn = cloud.client("stepfunctions")
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = sfn.get_execution_history(
            executionArn=execution["executionArn"], maxResults=1000, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def read_history(run: Run, events: list[dict[str, Any]], confirmed: float, done: float) -> None:
    """Transitions, retries and per-state durations (the part after the press) into the run."""
    entered: dict[str, float] = {}
    scheduled: dict[str, int] = defaultdict(int)
    current: str | None = None
    counted = 0.0
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            current = event["stateEnteredEventDetails"]["name"]
            entered[current] = epoch(event["timestamp"])
            run.transitions += 1
        elif kind.endswith("Scheduled") and current is not None:
            scheduled[current] += 1
        elif kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            if name not in entered:
                continue
            start, end = entered.pop(name), epoch(event["timestamp"])
            if end <= confirmed:
                run.before_press[name] = run.before_press.get(name, 0.0) + end - start
                continue
            if name == "AwaitConfirmation":
                label, seconds = RESUMED, end - confirmed
            else:
                label, seconds = name, end - max(start, confirmed)
            run.steps[label] = run.steps.get(label, 0.0) + seconds
            if label not in run.order:
                run.order.append(label)
            if end <= done:
                counted += seconds
    run.retries = sum(count - 1 for count in scheduled.values() if count > 1)
    if run.total_s is not None:
        run.steps[BETWEEN] = run.total_s - counted
        run.order.append(BETWEEN)


def await_parked(cloud: LocalCloud, machine_arn: str, chat: Chat, known: set[str]) -> None:
    """Until the transfer journey has parked its `confirm` task token (JourneyWaitsTable): a press that
    comes before it finds no wait (WaitNotFound) and the journey would wait its 15 minutes."""
    dynamodb = cloud.client("dynamodb")
    table = str(cloud.stack.physical["JourneyWaitsTable"]) if cloud.stack else ""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    name = None
    while time.monotonic() < deadline:
        if name is None:
            found = executions_of(cloud, machine_arn, chat, known)
            name = found[0]["name"] if found else None
        if name is not None and "Item" in dynamodb.get_item(TableName=table, Key={"ref": {"S": f"{name}:confirm"}}):
            return
        time.sleep(0.02)
    raise AssertionError(f"the transfer journey did not park its confirmation in {RUN_TIMEOUT_S:.0f} s")


def one_transfer(cloud: LocalCloud, machine_arn: str, customer: Customer, barrier: threading.Barrier | None) -> Run:
    """Quote, (wait for the others,) Confirm, receipt; then the execution's history."""
    chat = customer.chat
    run = Run(chat.channel)
    sfn = cloud.client("stepfunctions")
    known = {e["executionArn"] for e in sfn.list_executions(stateMachineArn=machine_arn)["executions"]}
    try:
        payload = quote(chat)
        shown = time.monotonic()
        await_parked(cloud, machine_arn, chat, known)
        run.parked_s = time.monotonic() - shown
    except AssertionError as error:
        run.failure = f"quote: {str(error)[:300]}"
    if barrier is not None:
        try:
            barrier.wait(timeout=RUN_TIMEOUT_S)
        except threading.BrokenBarrierError:
            run.failure = run.failure or "the others' quotes did not come"
    if run.failure:
        return run
    confirmed, status, done = chat.press_and_time(payload, "Перевод выполнен", RUN_TIMEOUT_S)
    deadline = time.monotonic() + RUN_TIMEOUT_S - (time.time() - confirmed)  # one budget for the whole run
    run.confirmed_at = confirmed
    if status != 200:
        run.failure = f"confirmation answered {status}"
        return run
    if done is None:
        states = [
            f"{e['status']} after "
            + "/".join(
                ev["stateEnteredEventDetails"]["name"]
                for ev in history(cloud, e)
                if ev["type"].endswith("StateEntered")
            )
            for e in executions_of(cloud, machine_arn, chat, known)
        ]
        run.failure = (
            f"no receipt in {RUN_TIMEOUT_S:.0f} s (executions: {states}); the bot said: {chat.texts()[-200:]!r}"
        )
        return run
    run.total_s = done - confirmed
    executions: list[dict[str, Any]] = []
    while not executions or any(e["status"] == "RUNNING" for e in executions):
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
        executions = executions_of(cloud, machine_arn, chat, known)
    if len(executions) == 1:
        run.status = executions[0]["status"]
        read_history(run, history(cloud, executions[0]), confirmed, done)
    else:
        run.status = f"{len(executions)} executions"
    return run


def concurrent_round(cloud: LocalCloud, machine_arn: str, crowd: list[Customer]) -> list[Run]:
    """Every customer of the crowd quotes, then all press Confirm at once (one thread each)."""
    barrier = threading.Barrier(len(crowd))
    results: list[Run | None] = [None] * len(crowd)

    def go(slot: int, customer: Customer) -> None:
        results[slot] = one_transfer(cloud, machine_arn, customer, barrier)

    threads = [threading.Thread(target=go, args=(i, c), daemon=True) for i, c in enumerate(crowd)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=3 * RUN_TIMEOUT_S)
    return [r for r in results if r is not None]


# ---------------------------------------------------------------------------------------- reporting
def latency_line(totals: list[float]) -> str:
    return (
        f"p50 {percentile(totals, 0.5):.2f} s  p95 {percentile(totals, 0.95):.2f} s  "
        f"max {max(totals):.2f} s  (n={len(totals)})"
    )


def report_sequential(runs: list[Run]) -> None:
    done = [r for r in runs if r.total_s is not None]
    for run in runs:
        if run.failure:
            print(f"  failed transfer ({run.channel}): {run.failure}")
    if not done:
        return
    print(f"  confirmation → receipt: {latency_line([r.total_s for r in done if r.total_s is not None])}")
    statuses = sorted({r.status for r in done})
    print(f"  executions: {', '.join(f'{s} {sum(r.status == s for r in done)}' for s in statuses)}")
    entered = [r.transitions for r in done if r.transitions]
    if entered:
        billed = [r.transitions + r.retries for r in done if r.transitions]
        per_transfer = median(billed)
        print(
            f"  state transitions per transfer: {median(entered):.0f} (StateEntered; min {min(entered)}, "
            f"max {max(entered)}); billed in a Standard workflow: {per_transfer:.0f} "
            f"(+ {sum(r.retries for r in done)} task retries over all runs) → "
            f"${per_transfer * PRICE_PER_1000_TRANSITIONS_USD / 1000:.6f} per transfer, "
            f"${per_transfer * PRICE_PER_1000_TRANSITIONS_USD * 1000:.0f} per million transfers"
        )
    parked = [r.parked_s for r in done]
    print(
        f"  (Confirm pressed once the journey had parked its token: quote shown → parked p50 "
        f"{median(parked) * 1000:.0f} ms, max {max(parked) * 1000:.0f} ms)"
    )
    before: dict[str, list[float]] = defaultdict(list)
    for run in done:
        for name, seconds in run.before_press.items():
            before[name].append(seconds)
    if before:
        shown = ", ".join(f"{name} {median(values) * 1000:.0f} ms" for name, values in before.items())
        print(f"  before the press (not in the figure; the quote starts the execution): {shown}")
    order: list[str] = []
    per_step: dict[str, list[float]] = defaultdict(list)
    for run in done:
        for name in run.order:
            if name not in order:
                order.append(name)
            per_step[name].append(run.steps[name])
    if per_step:
        print("  where the time goes after the press (median per step; states from the execution history):")
        states = [name for name in order if name not in {RESUMED, BETWEEN}]
        slowest = max(states or order, key=lambda name: median(per_step[name]))
        for name in order:
            values = per_step[name]
            mark = "  ← slowest state" if name == slowest else ""
            print(f"    {name:<82} {median(values) * 1000:7.0f} ms  (max {max(values) * 1000:6.0f} ms){mark}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench transfers", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="sequential transfers (one customer)")
    parser.add_argument("--concurrency", type=int, default=4, help="customers confirming at the same time")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of concurrent confirmations")
    parser.add_argument("--channels", default=",".join(CHANNELS), help="messengers of the concurrent customers")
    parser.add_argument("--max-seconds", type=float, default=900, help="stop starting new transfers after this")
    args = parser.parse_args(argv)
    channels = [c.strip() for c in args.channels.split(",") if c.strip()]
    runs_n, k = max(0, args.runs), max(1, args.concurrency)

    print("transfers: customer's Confirm → receipt picture and 'Перевод выполнен' text delivered in the chat")
    print(
        f"  local cloud of its own, bank sandbox at realistic latency (150-300 ms per bank call); {runs_n} "
        f"sequential transfers of {AMOUNT}.00 BYN by one funded Telegram customer, then {args.rounds} round(s) "
        f"of {k} funded customers ({', '.join(channels)} in turn) confirming at once"
    )
    started = time.monotonic()
    with local_cloud() as cloud:
        assert cloud.stack is not None
        machine_arn = cloud.stack.state_machines["TransferStateMachine"]
        print(f"  (local cloud up in {time.monotonic() - started:.1f} s)")
        sys.stdout.flush()
        setup = time.monotonic()
        sender = new_customer(cloud, "telegram")
        crowd = [new_customer(cloud, channels[i % len(channels)]) for i in range(k)]
        print(f"  ({k + 1} customers onboarded and funded in {time.monotonic() - setup:.1f} s, sandbox at full speed)")
        cloud.sandbox.faults.realistic()
        cloud.sandbox.faults.reset_counts()
        warm = one_transfer(cloud, machine_arn, sender, None)
        shown = f"{warm.total_s:.2f} s" if warm.total_s is not None else f"failed: {warm.failure}"
        print(f"  warm-up transfer (cold starts included, not counted): {shown}")
        sys.stdout.flush()
        deadline = time.monotonic() + args.max_seconds

        sequential: list[Run] = []
        for index in range(runs_n):
            if time.monotonic() > deadline:
                print(f"  (stopped at the {args.max_seconds:.0f} s bound after {index} transfers)")
                break
            sequential.append(one_transfer(cloud, machine_arn, sender, None))
        print(f"\n  sequential ({len(sequential)} transfers, one customer):")
        report_sequential(sequential)
        sys.stdout.flush()

        concurrent: list[Run] = []
        walls: list[float] = []
        for round_index in range(args.rounds if time.monotonic() < deadline else 0):
            finished = concurrent_round(cloud, machine_arn, crowd)
            if round_index == 0 and args.rounds > 1:
                print(f"\n  concurrent warm-up round ({k} at once, not counted): {describe(finished)}")
                continue
            concurrent += finished
            ends = [r.confirmed_at + r.total_s for r in finished if r.total_s is not None]
            if ends:
                walls.append(max(ends) - min(r.confirmed_at for r in finished if r.total_s is not None))
            if time.monotonic() > deadline:
                print(f"  (stopped at the {args.max_seconds:.0f} s bound after round {round_index + 1})")
                break
        faults = cloud.sandbox.faults.counts()

    completed = [r.total_s for r in concurrent if r.total_s is not None]
    print(f"\n  concurrent ({k} customers confirming at once, {len(walls)} measured round(s)):")
    for run in concurrent:
        if run.failure:
            print(f"  failed transfer ({run.channel}): {run.failure}")
    if completed and walls:
        print(f"  confirmation → receipt under load: {latency_line(completed)}")
        print(
            f"  throughput: {len(completed) / sum(walls):.2f} transfers/s ({len(completed)} completed in "
            f"{sum(walls):.2f} s of rounds' wall time, first press → last receipt)"
        )
        one_at_a_time = [r.total_s for r in sequential if r.total_s is not None]
        if one_at_a_time:
            print(f"  (one at a time: {1 / median(one_at_a_time):.2f} transfers/s at the sequential p50)")
    statuses = sorted({r.status for r in concurrent if r.status})
    if statuses:
        print(f"  executions: {', '.join(f'{s} {sum(r.status == s for r in concurrent)}' for s in statuses)}")
    print(f"  bank calls slowed by the sandbox: {faults.get('latency', 0)}")


def describe(runs: list[Run]) -> str:
    totals = [r.total_s for r in runs if r.total_s is not None]
    failures = [r.failure for r in runs if r.failure]
    text = latency_line(totals) if totals else "none completed"
    return text + (f"; {len(failures)} failed, e.g. {failures[0]}" if failures else "")


if __name__ == "__main__":
    main()
