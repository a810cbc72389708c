"""The outbound side under pressure.

1. The rate limiter (messenger_bank.channels.ratelimit) under a burst, on a simulated clock (its sleep
   advances the clock; nothing waits for real): every message of the burst is queued at t = 0 and sent
   one after another, as the MessageAPI of one warm Lambda does. Printed: messages/s achieved per chat
   and overall, the most sent in any one-second window (the first one included), and the queueing
   delay, against the limits the limiter is configured with (the platforms' published limits).
2. What the shared limiter (the send-rates table) adds to a send: moto's DynamoDB as its own server on a
   free port of 127.0.0.1, the send-rates table as template.yaml declares it. Each run times `--sends`
   reservations (each to a chat of its own: one UpdateItem for the chat, one for the bot) with the
   in-process limiter and with the shared one, the waits they ask for not slept (only the limiter's own
   cost is timed); then whole sends of the MessageAPI to the fake Telegram (`--fake-sends` per run, each
   to a chat of its own, the fake's own rates off), in-process and shared in turn, each send's time less
   the waits it slept. Printed: the median per send of each, over `--runs` runs (median of the runs'
   medians), and their ratio. Against DynamoDB in the Lambda's region a round trip is a few ms; here it
   is a local HTTP call into moto's server (Python, on a shared machine: slower than DynamoDB).
3. The MessageAPI against the fake platforms (their own server on a free port of 127.0.0.1, real clock)
   with `POST /_faults` throttling: Telegram 429 + retry_after, Viber status 12, WhatsApp 130429 and
   Messenger 613 (Meta gives no retry_after: the client backs off). Printed: retries, time to deliver,
   and what the platform recorded.

    python -m bench outbound [--one-chat 100] [--many 300] [--chats 100] [--sends 200] [--fake-sends 30]
                             [--runs 5] [--throttled 3]
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import logging
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from bench.stats import median, percentile
from bench.webhooks import free_port, quiet_logs
from local.cloud.config import DEV_SECRETS
from local.cloud.template import load_template_text
from local.platforms import PlatformSecrets, PlatformsServer, platform_user_id, start_platforms
from messenger_bank.channels.client import MessageAPI, build_limiters
from messenger_bank.channels.models import ChatRef, OutboundMessage, SentMessage
from messenger_bank.channels.ratelimit import (
    PLATFORM_LIMITS,
    Limiter,
    PlatformLimits,
    RateLimiter,
    SharedRateLimiter,
)
from messenger_bank.channels.settings import ChannelSettings
from messenger_bank.types import Channel

CHANNELS: tuple[Channel, ...] = ("telegram", "viber", "whatsapp", "messenger")


# ---------------------------------------------------------------------------------------- simulated clock
@dataclass
class SimulatedClock:
    now: float = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most events in any half-open window [t, t + window) starting at an event."""
    ordered = sorted(times)
    best = 0
    for index, start in enumerate(ordered):
        best = max(best, bisect.bisect_left(ordered, start + window - 1e-9) - index)
    return best


@dataclass
class Burst:
    sent: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def all_times(self) -> list[float]:
        return [t for times in self.sent.values() for t in times]


def run_burst(limits: PlatformLimits, chats: list[str]) -> Burst:
    """Every message queued at t = 0, sent in order through one limiter on a simulated clock."""
    simulated = SimulatedClock()
    limiter = RateLimiter(limits, clock=simulated.clock, sleep=simulated.sleep)
    burst = Burst()
    for chat in chats:
        limiter.acquire(chat)
        burst.sent[chat].append(simulated.now)
    return burst


def sustained(times: list[float]) -> tuple[int, str]:
    """Messages sent in the first second, and the rate of the rest until the last one."""
    first = sum(1 for t in times if t < 1.0 - 1e-9)  # the simulated clock sums float waits
    last = max(times)
    return first, (f"{(len(times) - first) / (last - 1.0):7.2f}/s" if last > 1.0 else "    n/a  ")


def describe(limits: PlatformLimits) -> str:
    chat = limits.chat
    per_chat = f"per chat {chat.per_second:.4g}/s (burst {chat.burst})" if chat else "no per-chat rate"
    return f"bot {limits.bot.per_second:g}/s (burst {limits.bot.burst}), {per_chat}"


def report_limiter(one_chat: int, many: int, chats: int) -> None:
    print("rate limiter under a burst (simulated clock; every message queued at t = 0, sent in order)")
    for channel in CHANNELS:
        limits = PLATFORM_LIMITS[channel]
        print(f"  {channel}: configured limits {describe(limits)}")
        times = run_burst(limits, ["chat:1"] * one_chat).all_times()
        first, rest = sustained(times)
        print(
            f"    {one_chat:>4} to one chat   : {first:3d} in the first second, then {rest}; "
            f"max {max_in_window(times):3d} in any 1 s; "
            f"queueing delay p50 {percentile(times, 0.5):7.2f} s, max {max(times):7.2f} s"
        )
        spread = run_burst(limits, [f"chat:{index % chats}" for index in range(many)])
        times = spread.all_times()
        first, rest = sustained(times)
        per_chat_window = max(max_in_window(t) for t in spread.sent.values())
        print(
            f"    {many:>4} to {chats:>3} chats: {first:3d} in the first second, then {rest}; "
            f"max {max_in_window(times):3d} in any 1 s (bot limit {limits.bot.per_second:g}/s); "
            f"queueing delay p50 {percentile(times, 0.5):7.2f} s, max {max(times):7.2f} s; "
            f"per chat max {per_chat_window} in any 1 s"
        )


# ---------------------------------------------------------------------------------------- the shared limiter
@contextlib.contextmanager
def send_rates_table() -> Iterator[Any]:
    """moto's DynamoDB on a free port, with the send-rates table of template.yaml; yields a boto3 client."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs each request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        client = boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="eu-central-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's, as the local cloud's
        )
        template = load_template_text((Path(__file__).resolve().parents[1] / "template.yaml").read_text())
        properties = template["Resources"]["SendRatesTable"]["Properties"]
        client.create_table(
            TableName="send-rates",
            KeySchema=properties["KeySchema"],
            AttributeDefinitions=properties["AttributeDefinitions"],
            BillingMode=properties["BillingMode"],
        )
        yield client
    finally:
        server.stop()


def time_reservations(limiter: Limiter, chats: list[str]) -> list[float]:
    """Seconds each reservation took, its wait not slept (the limiter was built with a sleep that returns)."""
    taken = []
    for chat in chats:
        begun = time.perf_counter()
        limiter.acquire(chat)
        taken.append(time.perf_counter() - begun)
    return taken


@dataclass
class SleepTally:
    """The limiter's waits, really slept (the fake platform's clock is the real one) and added up."""

    slept: float = 0.0

    def __call__(self, seconds: float) -> None:
        self.slept += seconds
        time.sleep(seconds)


def time_sends(api: MessageAPI, tally: SleepTally, chat_ids: list[str]) -> list[float]:
    """Seconds each whole send took (render, pace, HTTP to the fake, read), less the waits it slept."""
    taken = []
    for chat_id in chat_ids:
        slept, begun = tally.slept, time.perf_counter()
        api.send(ChatRef(channel="telegram", chat_id=chat_id), OutboundMessage(text="bench message"))
        taken.append(time.perf_counter() - begun - (tally.slept - slept))
    return taken


def report_shared(sends: int, fake_sends: int, runs: int) -> None:
    print(
        f"shared limiter (send-rates table in moto's DynamoDB on 127.0.0.1) against the in-process one, "
        f"{runs} runs, each chat sent to once; figures are the median of the runs' medians"
    )
    limits = PLATFORM_LIMITS["messenger"]  # the highest bot rate: the fewest waits asked for
    with send_rates_table() as client, fake_platforms() as server, quiet_logs():
        alone_medians: list[float] = []
        shared_medians: list[float] = []
        for run in range(runs):
            chats = [f"messenger:{run}:{index}" for index in range(sends)]
            alone = RateLimiter(limits, sleep=lambda _: None)
            shared = SharedRateLimiter(
                "messenger", limits, "send-rates", lambda: client, fallback=alone, sleep=lambda _: None
            )
            alone_medians.append(median(time_reservations(alone, chats)))
            shared_medians.append(median(time_reservations(shared, [f"shared:{chat}" for chat in chats])))
        # Whole sends to the fake Telegram (its own rates off: the limiters' pacing is what is compared).
        httpx.post(f"{server.base_url}/_faults", json={"rates": False}, trust_env=False)
        send_alone: list[float] = []
        send_shared: list[float] = []
        for run in range(runs):
            for shared_run in (run % 2 == 1, run % 2 == 0):  # in turn first, so that drift favours neither
                tally = SleepTally()
                config = channel_settings(server.base_url)
                if shared_run:
                    config = config.model_copy(update={"send_rates_table": "send-rates"})
                limiters = build_limiters(config, sleep=tally, dynamodb=lambda: client)
                api = MessageAPI(config, sleep=tally, limiters=limiters)
                first_id = 100_000 + (2 * run + shared_run) * fake_sends
                try:
                    taken = time_sends(api, tally, [str(first_id + index) for index in range(fake_sends)])
                finally:
                    api.close()
                (send_shared if shared_run else send_alone).append(median(taken))
    alone_ms, shared_ms = median(alone_medians) * 1000, median(shared_medians) * 1000
    print(
        f"  the limiter alone, {sends} reservations per run (waits not slept): in-process {alone_ms:.3f} ms, "
        f"shared {shared_ms:.3f} ms per send (+{shared_ms - alone_ms:.3f} ms, {shared_ms / alone_ms:.0f}x); "
        f"runs' medians shared {', '.join(f'{m * 1000:.2f}' for m in shared_medians)} ms"
    )
    alone_ms, shared_ms = median(send_alone) * 1000, median(send_shared) * 1000
    print(
        f"  a whole send to the fake Telegram, {fake_sends} per run (waits slept, not counted): in-process "
        f"{alone_ms:.2f} ms, shared {shared_ms:.2f} ms per send (+{shared_ms - alone_ms:.2f} ms, "
        f"x{shared_ms / alone_ms:.2f}); runs' medians in-process {', '.join(f'{m * 1000:.2f}' for m in send_alone)}, "
        f"shared {', '.join(f'{m * 1000:.2f}' for m in send_shared)} ms"
    )


# ---------------------------------------------------------------------------------------- against the fake
@contextlib.contextmanager
def fake_platforms() -> Iterator[PlatformsServer]:
    secrets = PlatformSecrets(
        telegram_bot_token=DEV_SECRETS["TELEGRAM_BOT_TOKEN"],
        telegram_secret_token=DEV_SECRETS["TELEGRAM_SECRET_TOKEN"],
        viber_auth_token=DEV_SECRETS["VIBER_AUTH_TOKEN"],
        meta_app_secret=DEV_SECRETS["META_APP_SECRET"],
        meta_verify_token=DEV_SECRETS["META_VERIFY_TOKEN"],
        whatsapp_access_token=DEV_SECRETS["WHATSAPP_ACCESS_TOKEN"],
        whatsapp_phone_number_id=DEV_SECRETS["WHATSAPP_PHONE_NUMBER_ID"],
        messenger_page_access_token=DEV_SECRETS["MESSENGER_PAGE_ACCESS_TOKEN"],
    )
    server = start_platforms(host="127.0.0.1", port=free_port(), webhook_base_url="http://127.0.0.1:9", secrets=secrets)
    try:
        yield server
    finally:
        server.stop()


def channel_settings(base_url: str) -> ChannelSettings:
    return ChannelSettings(
        telegram_api_base_url=base_url,
        viber_api_base_url=base_url,
        meta_graph_api_base_url=base_url,
        telegram_bot_token=SecretStr(DEV_SECRETS["TELEGRAM_BOT_TOKEN"]),
        viber_auth_token=SecretStr(DEV_SECRETS["VIBER_AUTH_TOKEN"]),
        whatsapp_access_token=SecretStr(DEV_SECRETS["WHATSAPP_ACCESS_TOKEN"]),
        whatsapp_phone_number_id=DEV_SECRETS["WHATSAPP_PHONE_NUMBER_ID"],
        messenger_page_access_token=SecretStr(DEV_SECRETS["MESSENGER_PAGE_ACCESS_TOKEN"]),
    )


@dataclass
class CountingSleep:
    """The MessageAPI's retry waits: counted and really slept."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


def report_throttled(messages: int, throttled: int) -> None:
    print(
        f"MessageAPI against the fake platforms (real clock, real limiter): {messages} messages to one chat, "
        f"the platform throttling the first {throttled} calls"
    )
    out = sys.stdout  # the layer's log lines go to a sink below; the figures come here
    with fake_platforms() as server, quiet_logs():
        control = httpx.Client(base_url=server.base_url, timeout=10.0, trust_env=False)
        for channel in CHANNELS:
            chat_id = platform_user_id(channel, "4242", "+375290004242")
            control.post("/_reset")
            if channel == "viber":
                control.post("/_faults", json={"channel": "viber", "chat_id": chat_id, "subscribed": True})
            if channel in ("whatsapp", "messenger"):  # the customer wrote: their 24 h window is open
                user = {"id": "4242", "name": "Bench Customer", "phone": "+375290004242"}
                control.post("/_send", json={"channel": channel, "user": user, "kind": "text", "text": "hi"})
            control.post(
                "/_faults", json={"channel": channel, "chat_id": chat_id, "rate_limit": throttled, "retry_after": 1}
            )
            retry_sleep = CountingSleep()
            limiters: dict[Channel, Limiter] = {name: RateLimiter(limits) for name, limits in PLATFORM_LIMITS.items()}
            api = MessageAPI(channel_settings(server.base_url), sleep=retry_sleep, limiters=limiters)
            chat = ChatRef(channel=channel, chat_id=chat_id)
            durations: list[float] = []
            delivered = 0
            started = time.perf_counter()
            try:
                for index in range(messages):
                    begun = time.perf_counter()
                    result = api.send(chat, OutboundMessage(text=f"bench message {index + 1}"))
                    durations.append(time.perf_counter() - begun)
                    delivered += isinstance(result, SentMessage) and bool(result.message_ids)
            finally:
                api.close()
            total = time.perf_counter() - started
            recorded = [r for r in server.recorded(channel, chat_id) if "bench message" in str(r.get("body"))]
            waits = ", ".join(f"{w:.2f}" for w in retry_sleep.waits)
            print(
                f"  {channel:<10} retries {len(retry_sleep.waits)} (waits {waits} s); "
                f"first message delivered in {durations[0]:.2f} s, all {messages} in {total:.2f} s; "
                f"delivered {delivered}, recorded by the platform {len(recorded)}",
                file=out,
            )
        control.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench outbound", description=__doc__.splitlines()[0])
    parser.add_argument("--one-chat", type=int, default=100, help="burst to one chat")
    parser.add_argument("--many", type=int, default=300, help="burst spread over --chats chats")
    parser.add_argument("--chats", type=int, default=300, help="how many chats the spread burst goes to")
    parser.add_argument("--messages", type=int, default=5, help="messages per platform against the fake")
    parser.add_argument("--throttled", type=int, default=3, help="calls the fake platform throttles first")
    parser.add_argument("--sends", type=int, default=200, help="reservations per run of the shared limiter")
    parser.add_argument("--fake-sends", type=int, default=30, help="whole sends per run to the fake Telegram")
    parser.add_argument("--runs", type=int, default=5, help="runs of the shared limiter against the in-process one")
    args = parser.parse_args(argv)
    report_limiter(args.one_chat, args.many, args.chats)
    report_shared(args.sends, args.fake_sends, args.runs)
    report_throttled(args.messages, args.throttled)


if __name__ == "__main__":
    main()
