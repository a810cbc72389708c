"""The outbound side under pressure.

1. The rate limiter (messenger_bank.channels.ratelimit) under a burst, on a simulated clock (its sleep
   advances the clock; nothing waits for real): every message of the burst is queued at t = 0 and sent
   one after another, as the MessageAPI of one warm Lambda does. Printed: messages/s achieved per chat
   and overall, the most sent in any one-second window, and the queueing delay, against the limits the
   limiter is configured with (the platforms' published limits).
2. The MessageAPI against the fake platforms (their own server on a free port of 127.0.0.1, real clock)
   with `POST /_faults` throttling: Telegram 429 + retry_after, Viber status 12, WhatsApp 130429 and
   Messenger 613 (Meta gives no retry_after: the client backs off). Printed: retries, time to deliver,
   and what the platform recorded.

    python -m bench outbound [--one-chat 100] [--many 300] [--chats 100] [--throttled 3]
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr

from bench.stats import percentile
from bench.webhooks import free_port, quiet_logs
from local.cloud.config import DEV_SECRETS
from local.platforms import PlatformSecrets, PlatformsServer, platform_user_id, start_platforms
from messenger_bank.channels.client import MessageAPI
from messenger_bank.channels.models import ChatRef, OutboundMessage, SentMessage
from messenger_bank.channels.ratelimit import PLATFORM_LIMITS, RateLimiter, RateLimits
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


def run_burst(limits: RateLimits, chats: list[str]) -> Burst:
    """Every message queued at t = 0, sent in order through one limiter on a simulated clock."""
    simulated = SimulatedClock()
    limiter = RateLimiter(limits, clock=simulated.clock, sleep=simulated.sleep)
    burst = Burst()
    for chat in chats:
        limiter.acquire(chat)
        burst.sent[chat].append(simulated.now)
    return burst


def sustained(times: list[float]) -> tuple[int, str]:
    """Messages sent at t = 0 (the bucket's burst), and the rate of the rest until the last one."""
    at_once = sum(1 for t in times if t == 0)
    last = max(times)
    return at_once, (f"{(len(times) - at_once) / last:7.2f}/s" if last > 0 else "    n/a  ")


def report_limiter(one_chat: int, many: int, chats: int) -> None:
    print("rate limiter under a burst (simulated clock; every message queued at t = 0, sent in order)")
    for channel in CHANNELS:
        limits = PLATFORM_LIMITS[channel]
        print(
            f"  {channel}: configured limits global {limits.global_per_second:g}/s (burst {limits.global_burst:g}), "
            f"per chat {limits.chat_per_second:.4g}/s (burst {limits.chat_burst:g})"
        )
        times = run_burst(limits, ["chat:1"] * one_chat).all_times()
        at_once, rest = sustained(times)
        print(
            f"    {one_chat:>4} to one chat   : {at_once:3d} at once, then {rest}; "
            f"max {max_in_window(times):3d} in any 1 s (per-chat limit {limits.chat_per_second:.4g}/s); "
            f"queueing delay p50 {percentile(times, 0.5):7.2f} s, "
            f"max {max(times):7.2f} s"
        )
        spread = run_burst(limits, [f"chat:{index % chats}" for index in range(many)])
        times = spread.all_times()
        at_once, rest = sustained(times)
        per_chat_window = max(max_in_window(t) for t in spread.sent.values())
        print(
            f"    {many:>4} to {chats:>3} chats: {at_once:3d} at once, then {rest}; "
            f"max {max_in_window(times):3d} in any 1 s (global limit {limits.global_per_second:g}/s); "
            f"queueing delay p50 {percentile(times, 0.5):7.2f} s, "
            f"max {max(times):7.2f} s; per chat max {per_chat_window} in any 1 s"
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
            control.post(
                "/_faults", json={"channel": channel, "chat_id": chat_id, "rate_limit": throttled, "retry_after": 1}
            )
            retry_sleep = CountingSleep()
            limiters = {name: RateLimiter(limits) for name, limits in PLATFORM_LIMITS.items()}
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
    args = parser.parse_args(argv)
    report_limiter(args.one_chat, args.many, args.chats)
    report_throttled(args.messages, args.throttled)


if __name__ == "__main__":
    main()
