"""A warm turn through the local cloud, webhook in → first reply out, and where its time goes.

On a local cloud of its own (bank sandbox at full speed), after a warm-up per messenger, turns of two kinds, the
messengers in turn:

- `hello`: a new user's first "привет" (webhook, queue, conversation: session, NLU, the menu; no operation);
- `balance`: a card holder's "баланс" (the same, and the operations list_cards and get_balance, each a Lambda
  invoked through the AWS endpoint, each calling core banking).

First one turn at a time (`--runs` per kind), then `--concurrent` chats, one per messenger in turn, all posting at
the same moment (`--rounds` times): a chat's turn must not wait for another chat's.

The clock runs from the platform's POST of the update to the first reply the fake messenger recorded. Where the time
goes comes from the local cloud's own timings (every Lambda invocation the runner ran: when it took the call, how
long it waited for an environment, how long the handler ran by the worker's clock) and from the queued record's SQS
attributes (SentTimestamp, ApproximateFirstReceiveTimestamp): a timeline of medians, each point's offset from the
POST.

    python -m bench turns [--runs 12] [--concurrent 4] [--rounds 6] [--kinds hello,balance] [--batches 5]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import itertools
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from bench.stats import median, percentile
from bench.webhooks import local_cloud
from local.chat import Chat, Person, onboard
from local.cloud import event_sources
from local.cloud.cloud import LocalCloud
from local.cloud.runner import Invocation
from messenger_bank.conversation.catalogue import text

GOAL_P95_S = 0.5
CHANNELS = ("telegram", "viber", "whatsapp", "messenger")
KINDS = ("hello", "balance")
REPLY_TIMEOUT_S = 30.0
WARMUP_ROUNDS = 2
SETTLE_S = 0.3  # after a turn's first reply, the rest of the turn (its session write, a second message) ends
_users = itertools.count(1)


@dataclass
class Turn:
    kind: str
    channel: str
    posted: float = 0.0  # epoch: the platform's POST began
    replied: float | None = None  # epoch: the first reply recorded by the fake messenger
    invocations: list[Invocation] = field(default_factory=list)
    failure: str | None = None

    @property
    def seconds(self) -> float | None:
        return None if self.replied is None else self.replied - self.posted


class Recorder:
    """Every invocation the runner finishes, kept while a turn runs (the runner tells its listeners)."""

    def __init__(self, cloud: LocalCloud) -> None:
        assert cloud.runner is not None
        self._lock = threading.Lock()
        self._seen: list[Invocation] = []
        cloud.runner.listeners.append(self._heard)

    def _heard(self, invocation: Invocation) -> None:
        with self._lock:
            self._seen.append(invocation)

    def take(self) -> list[Invocation]:
        with self._lock:
            seen, self._seen = self._seen, []
        return seen


def new_user_chat(cloud: LocalCloud, channel: str) -> Chat:
    person = Person()
    user_id = person.phone.lstrip("+") if channel == "whatsapp" else f"66{next(_users):06d}"
    return Chat(cloud, channel, user_id, phone=person.phone)


def card_holder(cloud: LocalCloud, channel: str) -> Chat:
    person = Person()
    user_id = person.phone.lstrip("+") if channel == "whatsapp" else f"67{person.number:06d}"
    chat = Chat(cloud, channel, user_id, phone=person.phone)
    onboard(chat, person)
    chat.wait_for(text("issuance.card_issued", "ru").split("{")[0])
    return chat


def take_turn(chat: Chat, kind: str) -> Turn:
    """Post the turn's update and wait for the first reply after it."""
    turn = Turn(kind, chat.channel)
    before = len(chat.messages())
    turn.posted = time.time()
    answer = chat._send("text", text="привет" if kind == "hello" else "баланс")
    if answer.get("status") != 200:
        turn.failure = f"webhook answered {answer.get('status')}"
        return turn
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    while time.monotonic() < deadline:
        shown = chat.messages()[before:]
        if shown:
            turn.replied = float(shown[0]["time"])
            return turn
        time.sleep(0.005)
    turn.failure = f"no reply in {REPLY_TIMEOUT_S:.0f} s"
    return turn


# ------------------------------------------------------------------------------------- where the time goes
def _short(function_name: str) -> str:
    return function_name.split("-", 1)[-1]


def timeline(turn: Turn) -> dict[str, float]:
    """Offsets (s) from the POST of the points of one turn run alone; missing points are left out."""
    points: dict[str, float] = {}
    if turn.replied is None:
        return points
    webhook = next((i for i in turn.invocations if i.function_name.endswith("WebhookFunction")), None)
    conversation = next((i for i in turn.invocations if i.function_name.endswith("ConversationFunction")), None)
    if webhook is not None:
        points["webhook function taken (API front)"] = webhook.started - turn.posted
        points["webhook handler done"] = (
            webhook.started + (webhook.acquire_ms + webhook.duration_ms) / 1000 - turn.posted
        )
    if conversation is not None:
        records = json.loads(conversation.payload_in or b"{}").get("Records") or [{}]
        attributes = records[0].get("attributes", {})
        if "SentTimestamp" in attributes:
            points["update queued (SentTimestamp)"] = int(attributes["SentTimestamp"]) / 1000 - turn.posted
        if "ApproximateFirstReceiveTimestamp" in attributes:
            points["received by the event source"] = (
                int(attributes["ApproximateFirstReceiveTimestamp"]) / 1000 - turn.posted
            )
        points["conversation function taken"] = conversation.started - turn.posted
    points["first reply recorded by the messenger"] = turn.replied - turn.posted
    if conversation is not None:
        points["conversation function done"] = (
            conversation.started + (conversation.acquire_ms + conversation.duration_ms) / 1000 - turn.posted
        )
    return points


def durations(turn: Turn) -> dict[str, tuple[float, float]]:
    """Per function: (the runner's whole call, the handler's own time), ms, summed over the turn's calls."""
    found: dict[str, tuple[float, float]] = {}
    for invocation in turn.invocations:
        whole, handler = found.get(_short(invocation.function_name), (0.0, 0.0))
        found[_short(invocation.function_name)] = (
            whole + invocation.acquire_ms + invocation.duration_ms,
            handler + invocation.handler_ms,
        )
    return found


def report(title: str, turns: list[Turn], *, breakdown: bool) -> None:
    cold = [t for t in turns if any(i.cold for i in t.invocations)]
    if cold:  # a new environment (a second one of a function, started when turns overlapped): not a warm turn
        print(f"  {title}: {len(cold)} turn(s) met a cold start, left out of the figures below")
        turns = [t for t in turns if t not in cold]
    seconds = [t.seconds for t in turns if t.seconds is not None]
    failed = [t for t in turns if t.seconds is None]
    if not seconds:
        print(f"  {title}: no turn answered")
    else:
        p95 = percentile(seconds, 0.95)
        verdict = "met" if p95 <= GOAL_P95_S else "NOT met"
        print(
            f"  {title}: p50 {percentile(seconds, 0.5) * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  "
            f"max {max(seconds) * 1000:6.0f} ms  (n={len(seconds)})  goal p95 ≤ {GOAL_P95_S * 1000:.0f} ms: {verdict}"
        )
        per_channel: dict[str, list[float]] = defaultdict(list)
        for turn in turns:
            if turn.seconds is not None:
                per_channel[turn.channel].append(turn.seconds)
        print("    per messenger (p50): " + ", ".join(f"{c} {median(v) * 1000:.0f} ms" for c, v in per_channel.items()))
    for turn in failed:
        print(f"    failed ({turn.channel}): {turn.failure}")
    if not breakdown or not seconds:
        return
    points: dict[str, list[float]] = defaultdict(list)
    order: list[str] = []
    calls: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for turn in turns:
        for name, offset in sorted(timeline(turn).items(), key=lambda item: item[1]):
            points[name].append(offset)
            if name not in order:
                order.append(name)
        for name, pair in durations(turn).items():
            calls[name].append(pair)
    print("    timeline, median offset from the POST (ms):")
    for name in sorted(order, key=lambda n: median(points[n])):
        print(f"      {name:<44} {median(points[name]) * 1000:7.1f}")
    print("    Lambda calls of the turn (median ms): runner's whole call / handler by the worker's clock / difference")
    for name, pairs in sorted(calls.items()):
        whole, handler = median([p[0] for p in pairs]), median([p[1] for p in pairs])
        print(f"      {name:<44} {whole:7.1f} / {handler:7.1f} / {whole - handler:6.1f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench turns", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12, help="turns of each kind taken one at a time")
    parser.add_argument("--concurrent", type=int, default=4, help="chats posting at the same moment")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of concurrent turns")
    parser.add_argument("--kinds", default=",".join(KINDS), help="hello, balance")
    parser.add_argument("--channels", default=",".join(CHANNELS), help="messengers, taken in turn")
    parser.add_argument(
        "--batches",
        type=int,
        default=event_sources.DEFAULT_CONCURRENCY,
        help="batches the SQS event source runs at once (1: one at a time, as the local cloud did before)",
    )
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    channels = [c.strip() for c in args.channels.split(",") if c.strip()]

    print("turns: the platform's POST of an update → the first reply recorded by the fake messenger, warm")
    print(f"  the SQS event source runs up to {args.batches} batch(es) at once")
    started = time.monotonic()
    with local_cloud(event_source_batches=args.batches) as cloud:
        print(f"  (local cloud up in {time.monotonic() - started:.1f} s)")
        holders: dict[str, Chat] = {}
        if "balance" in kinds:
            prepared = time.monotonic()
            holders = {channel: card_holder(cloud, channel) for channel in channels}
            print(f"  ({len(holders)} card holders onboarded in {time.monotonic() - prepared:.0f} s, not timed)")
        recorder = Recorder(cloud)

        def chat_for(kind: str, channel: str) -> Chat:
            return holders[channel] if kind == "balance" else new_user_chat(cloud, channel)

        for kind in kinds:  # warm-up: every function on the turn's way is warm before the clock counts
            for channel in channels:
                for _ in range(2):
                    take_turn(chat_for(kind, channel), kind)
                    time.sleep(SETTLE_S)
        recorder.take()

        alone: dict[str, list[Turn]] = {kind: [] for kind in kinds}
        for index in range(args.runs):
            for kind in kinds:
                turn = take_turn(chat_for(kind, channels[index % len(channels)]), kind)
                time.sleep(SETTLE_S)
                turn.invocations = recorder.take()
                alone[kind].append(turn)

        together: list[Turn] = []
        batch_sizes: list[int] = []  # records per conversation invocation in the measured rounds
        with concurrent.futures.ThreadPoolExecutor(max(1, args.concurrent)) as pool:
            # The first rounds start the extra environments turns side by side need (cold starts), not counted.
            for round_ in range(-WARMUP_ROUNDS, args.rounds):
                chats = [
                    (kinds[(round_ + n) % len(kinds)], new_user_chat(cloud, channels[n % len(channels)]))
                    for n in range(args.concurrent)
                ]
                chats = [(k, holders[c.channel] if k == "balance" else c) for k, c in chats]
                taken = list(pool.map(lambda pair: take_turn(pair[1], pair[0]), chats))
                time.sleep(SETTLE_S)
                seen = recorder.take()  # the round's calls: a cold start among them marks each of its turns
                for turn in taken:
                    turn.invocations = [i for i in seen if i.cold]
                together += taken if round_ >= 0 else []
                if round_ >= 0:
                    batch_sizes += [
                        len(json.loads(i.payload_in or b"{}").get("Records") or [])
                        for i in seen
                        if i.function_name.endswith("ConversationFunction")
                    ]
                time.sleep(0 if round_ >= 0 else 2.0)

    for kind in kinds:
        report(f"{kind:<8} one at a time", alone[kind], breakdown=True)
    report(f"{args.concurrent} chats at once ({', '.join(kinds)})", together, breakdown=False)
    if batch_sizes:
        sizes = ", ".join(f"{size}: {batch_sizes.count(size)}" for size in sorted(set(batch_sizes)))
        print(
            f"    conversation invocations by records in their batch ({sizes}): a turn in a batch of several waits "
            "for the turns before it in that batch"
        )


if __name__ == "__main__":
    main()
