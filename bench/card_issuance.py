"""A digital card in under 30 seconds, measured: on a local cloud of its own with the bank sandbox at
realistic latencies (150-300 ms on every bank call), a new applicant per run walks the onboarding flow
through the messenger's signed webhooks, and the clock runs from the customer's confirmation (the
button press POSTed to the webhook) to the card picture and its "card ready" text recorded by the fake
messenger. p50 / p95 over the runs, and where the time goes: the confirmation's way to the state
machine (webhook, queue, conversation Lambda, StartExecution) and every state of the card-issuance
execution from its Step Functions history (median per state).

    python -m bench card_issuance [--runs 20] [--warmup 1] [--channels telegram,viber,whatsapp,messenger]
                                  [--cold 5] [--cold-at-confirmation 5] [--read-s 3]

`--cold N` adds N runs with everything cold when the newcomer arrives: every function's execution environments
are shut down (as after a deploy) before the applicant's first message, so the journey meets whatever is still
cold by the confirmation (the onboarding flow wakes the card issuance's functions as it starts:
statemachines/card_issuance_warm_up.asl.yaml). `--cold-at-confirmation N`: the worse case of a deploy landing
while the applicant reads the summary - shut down just before the confirmation, so the clock runs through every
cold start of the journey. Both are printed beside the warm figure, from the same cloud. `--read-s`: how long
the applicant reads the summary before confirming it (3 s; 0 confirms at once, as a script would).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from bench.stats import epoch, median, percentile
from bench.webhooks import local_cloud
from local.chat import Chat, Person, onboard
from local.cloud.cloud import LocalCloud

GOAL_P95_S = 3.0
GOAL_WARM_P95_S = 1.5  # issue 20: warm p95, and everything cold, on this 2-core machine
GOAL_COLD_S = 4.0
ADVERTISED_S = 30.0
CHANNELS = ("telegram", "viber", "whatsapp", "messenger")
RUN_TIMEOUT_S = 60.0
# A person reads the summary (name, birth date, passport) before confirming it. Confirmed at once, the card's
# message on Telegram waits out the chat's pace of one message a second that the bot's own summary messages
# just used (docs/performance.md): a scripted burst, not a customer.
READ_S = 3.0
TO_MACHINE = "confirmation → StartExecution (webhook, queue, conversation)"
BETWEEN = "between states (Step Functions transitions, its Lambda calls' way to the runner)"
ColdAt = Literal["arrival", "confirmation"]
COLD_AT: dict[ColdAt, str] = {
    "arrival": "everything cold when the newcomer arrives (every function restarted before the first message)",
    "confirmation": "everything cold at the confirmation (every function restarted while the summary is read)",
}


@dataclass
class Run:
    channel: str
    total_s: float | None = None  # confirmation → picture delivered
    steps: dict[str, float] = field(default_factory=dict)  # step → seconds
    order: list[str] = field(default_factory=list)
    failure: str | None = None


def new_chat(cloud: LocalCloud, channel: str, person: Person) -> Chat:
    user_id = person.phone.lstrip("+") if channel == "whatsapp" else f"88{person.number:06d}"
    return Chat(cloud, channel, user_id, phone=person.phone)


def execution_of(cloud: LocalCloud, machine_arn: str, chat: Chat, known: set[str]) -> dict[str, Any] | None:
    sfn = cloud.client("stepfunctions")
    for execution in sfn.list_executions(stateMachineArn=machine_arn)["executions"]:
        if execution["executionArn"] in known:
            continue
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution["executionArn"])
        if json.loads(described.get("input") or "{}").get("chat_key") == chat.chat_key:
            return described
    return None


def state_durations(cloud: LocalCloud, execution: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(state, entered, exited) in the order the execution went (epoch seconds)."""
    sfn = cloud.client("stepfunctions")
    events = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
    entered: dict[str, float] = {}
    durations: list[tuple[str, float, float]] = []
    for event in events:
        if event["type"].endswith("StateEntered"):
            entered[event["stateEnteredEventDetails"]["name"]] = epoch(event["timestamp"])
        elif event["type"].endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            if name in entered:
                durations.append((name, entered.pop(name), epoch(event["timestamp"])))
    return durations


def one_run(
    cloud: LocalCloud, machine_arn: str, channel: str, *, cold: ColdAt | None = None, read_s: float = READ_S
) -> Run:
    """One applicant, from the menu to the card; `cold`: every function shut down when the applicant arrives
    or just before the confirmation."""
    run = Run(channel)
    person = Person()
    chat = new_chat(cloud, channel, person)
    sfn = cloud.client("stepfunctions")
    known = {e["executionArn"] for e in sfn.list_executions(stateMachineArn=machine_arn)["executions"]}
    assert cloud.runner is not None
    if cold == "arrival":
        cloud.runner.cool_down()
    try:
        onboard(chat, person, confirm=False)
        payload = chat.button("верно")
    except AssertionError as error:
        run.failure = f"onboarding: {str(error)[:200]}"
        return run
    time.sleep(read_s)  # the applicant reads the summary before confirming it
    if cold == "confirmation":
        cloud.runner.cool_down()
    confirmed, status, done = chat.press_and_time(payload, "карта готова", RUN_TIMEOUT_S)
    deadline = time.monotonic() + RUN_TIMEOUT_S - (time.time() - confirmed)  # one budget for the whole run
    if status != 200:
        run.failure = f"confirmation answered {status}"
        return run
    if done is None:
        run.failure = f"no card picture in {RUN_TIMEOUT_S:.0f} s; the bot said: {chat.texts()[-300:]!r}"
        return run
    run.total_s = done - confirmed
    execution = None
    while execution is None or execution["status"] == "RUNNING":
        execution = execution_of(cloud, machine_arn, chat, known)
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if execution is not None:
        run.steps[TO_MACHINE] = epoch(execution["startDate"]) - confirmed
        run.order.append(TO_MACHINE)
        counted = run.steps[TO_MACHINE]
        for name, entered, exited in state_durations(cloud, execution):
            run.steps[name] = run.steps.get(name, 0.0) + exited - entered
            if name not in run.order:
                run.order.append(name)
            # A state is counted up to the picture's arrival: SendCard ends after its message is delivered, so
            # counting it whole or not at all put its delivery into the time between states.
            counted += max(0.0, min(exited, done) - entered)
        run.steps[BETWEEN] = run.total_s - counted
        run.order.append(BETWEEN)
    return run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench card_issuance", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="measured runs (new applicant each)")
    parser.add_argument("--warmup", type=int, default=1, help="first runs not counted (cold starts)")
    parser.add_argument("--channels", default=",".join(CHANNELS), help="messengers, taken in turn")
    parser.add_argument("--max-seconds", type=float, default=900, help="stop starting new runs after this long")
    parser.add_argument(
        "--cold", type=int, default=0, help="runs more with every function cold as the newcomer arrives (a deploy)"
    )
    parser.add_argument(
        "--cold-at-confirmation", type=int, default=0, help="runs more with every function cold at the confirmation"
    )
    parser.add_argument(
        "--read-s", type=float, default=READ_S, help="seconds the applicant reads the summary before confirming"
    )
    args = parser.parse_args(argv)
    channels = [c.strip() for c in args.channels.split(",") if c.strip()]

    print("card issuance: customer's confirmation → card picture and 'card ready' text delivered in the chat")
    print(
        f"  local cloud of its own, bank sandbox at realistic latency (150-300 ms per bank call); "
        f"{args.runs} runs ({', '.join(channels)} in turn), a new applicant each, {args.warmup} warm-up run(s) "
        "not counted"
    )
    started = time.monotonic()
    with local_cloud() as cloud:
        assert cloud.stack is not None
        cloud.sandbox.faults.realistic()
        machine_arn = cloud.stack.state_machines["CardIssuanceStateMachine"]
        print(f"  (local cloud up in {time.monotonic() - started:.1f} s)")
        sys.stdout.flush()
        for index in range(args.warmup):
            warm = one_run(cloud, machine_arn, channels[index % len(channels)])
            shown = f"{warm.total_s:.2f} s" if warm.total_s is not None else f"failed: {warm.failure}"
            print(f"  warm-up run ({warm.channel}, cold starts included): {shown}")
        runs: list[Run] = []
        deadline = time.monotonic() + args.max_seconds
        for index in range(args.runs):
            if time.monotonic() > deadline:
                print(f"  (stopped at the {args.max_seconds:.0f} s bound after {index} runs)")
                break
            runs.append(one_run(cloud, machine_arn, channels[index % len(channels)], read_s=args.read_s))
        counts: tuple[tuple[ColdAt, int], ...] = (("arrival", args.cold), ("confirmation", args.cold_at_confirmation))
        cold_runs: dict[ColdAt, list[Run]] = {
            cold: [
                one_run(cloud, machine_arn, channels[index % len(channels)], cold=cold, read_s=args.read_s)
                for index in range(count)
            ]
            for cold, count in counts
        }
        faults = cloud.sandbox.faults.counts()

    totals = [r.total_s for r in runs if r.total_s is not None]
    failures = [r for r in runs if r.total_s is None]
    if totals:
        p95 = percentile(totals, 0.95)
        print(
            f"  confirmation → picture: p50 {percentile(totals, 0.5):.2f} s  p95 {p95:.2f} s  "
            f"min {min(totals):.2f} s  max {max(totals):.2f} s  (n={len(totals)})"
        )
        by_channel: dict[str, list[float]] = defaultdict(list)
        for run in runs:
            if run.total_s is not None:
                by_channel[run.channel].append(run.total_s)
        print("  per messenger (p50): " + ", ".join(f"{c} {median(v):.2f} s" for c, v in by_channel.items()))
        verdict = "met" if p95 < GOAL_P95_S else "NOT met"
        print(
            f"  goal: p95 under {GOAL_P95_S:.0f} s (ten times better than the advertised {ADVERTISED_S:.0f} s): "
            f"{verdict} (p95 {p95:.2f} s)"
        )
        warm_verdict = "met" if p95 <= GOAL_WARM_P95_S else "NOT met"
        print(f"  goal (issue 20): warm p95 at most {GOAL_WARM_P95_S} s: {warm_verdict}")
    for cold, cold_ones in cold_runs.items():
        cold_totals = [r.total_s for r in cold_ones if r.total_s is not None]
        if not cold_totals:
            continue
        warm_p50 = f"p50 {percentile(totals, 0.5):.2f} s" if totals else "no warm run"
        print(
            f"  {COLD_AT[cold]}: p50 {percentile(cold_totals, 0.5):.2f} s  max {max(cold_totals):.2f} s  "
            f"(n={len(cold_totals)}); warm {warm_p50}"
        )
        if cold == "arrival":
            cold_verdict = "met" if max(cold_totals) <= GOAL_COLD_S else "NOT met"
            print(f"  goal (issue 20): everything cold at most {GOAL_COLD_S} s: {cold_verdict}")
    for run in failures + [r for cold_ones in cold_runs.values() for r in cold_ones if r.total_s is None]:
        print(f"  failed run ({run.channel}): {run.failure}")
    where_the_time_goes(runs, "the warm runs")
    for cold, cold_ones in cold_runs.items():
        where_the_time_goes(cold_ones, f"the runs with {COLD_AT[cold].split(' (')[0]}")
    print(f"  bank calls slowed by the sandbox: {faults.get('latency', 0)}")


def where_the_time_goes(runs: list[Run], which: str) -> None:
    order: list[str] = []
    per_step: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        if run.total_s is None:
            continue
        for name in run.order:
            if name not in order:
                order.append(name)
            per_step[name].append(run.steps[name])
    if not per_step:
        return
    print(f"  where the time goes in {which} (median per step; states from the execution history):")
    slowest = max(order, key=lambda name: median(per_step[name]))
    for name in order:
        values = per_step[name]
        mark = "  ← slowest" if name == slowest else ""
        print(f"    {name:<64} {median(values) * 1000:8.0f} ms  (max {max(values) * 1000:6.0f} ms){mark}")
    print(
        "    (a state counts towards the figure above up to the picture's arrival: SendCard up to its delivery, "
        "CloseApplication and later not at all)"
    )


if __name__ == "__main__":
    main()
