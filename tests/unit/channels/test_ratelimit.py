"""The send pacer: exact from its first second, per bot and per chat, shared through the send-rates table.

The oracle of "within the limit" is a count of sends in sliding windows (`most_in_any`), not the GCRA
arithmetic the limiter uses. Two SharedRateLimiter instances over one moto table are two warm Lambdas.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws

from messenger_bank.channels import ratelimit
from messenger_bank.channels.client import build_limiters
from messenger_bank.channels.ratelimit import (
    MAX_WAIT_SECONDS,
    PLATFORM_LIMITS,
    SHARED_RETRY_SECONDS,
    PlatformLimits,
    Rate,
    RateLimiter,
    SharedRateLimiter,
    bot_key,
    chat_key_of,
)
from messenger_bank.channels.settings import ChannelSettings
from messenger_bank.types import CHANNELS
from tests.support.aws import atomic_dynamodb_writes, create_table, template_resources

TELEGRAM = PLATFORM_LIMITS["telegram"]


class FakeClock:
    """One clock for every limiter of a test (the containers of one stack read the same time), kept in whole
    microseconds so that a wall-clock reading's float rounding does not blur the boundaries."""

    def __init__(self) -> None:
        self.micros = 1_700_000_000 * 1_000_000

    def __call__(self) -> float:
        return self.micros / 1_000_000

    @property
    def now(self) -> float:
        return self.micros / 1_000_000

    def elapsed(self) -> float:
        return (self.micros - 1_700_000_000 * 1_000_000) / 1_000_000

    def sleep(self, seconds: float) -> None:
        self.micros += round(seconds * 1_000_000)


def most_in_any(times: list[float], window: float) -> int:
    """The most sends in any half-open window [t, t + window) (a window starting at a send is the worst)."""
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, t + window - 1e-9) - i for i, t in enumerate(ordered)), default=0)


def send_times(limiter: Any, clock: FakeClock, chats: list[str | None]) -> list[float]:
    """Each send queued at once and made in order (a limiter's wait is slept on the fake clock)."""
    start = clock.elapsed()
    times = []
    for chat in chats:
        limiter.acquire(chat)
        times.append(clock.elapsed() - start)
    return times


def local(limits: PlatformLimits, clock: FakeClock) -> RateLimiter:
    return RateLimiter(limits, clock=clock, sleep=clock.sleep)


# ------------------------------------------------------------------------------ the facts
def test_the_limits_are_the_published_ones() -> None:
    limits = {channel: (limit.bot.per_second, limit.chat) for channel, limit in PLATFORM_LIMITS.items()}

    assert limits["telegram"] == (30, Rate(per_second=1, burst=3))
    assert limits["viber"] == (100, None)  # the hourly cap per user is the notices', not a rate
    assert limits["whatsapp"][0] == 80 and limits["whatsapp"][1].per_second == pytest.approx(1 / 6)  # type: ignore[union-attr]
    assert limits["messenger"][0] == 300
    assert all(
        limit.bot.burst == 1 for limit in PLATFORM_LIMITS.values()
    )  # a bot is evenly spaced: exact in any second


def test_an_interval_is_rounded_up_never_faster_than_the_rate() -> None:
    assert Rate(per_second=300).interval_us == 3334  # 3333.3 µs: 3333 would be 300.03/s
    assert Rate(per_second=30).interval_us == 33334


# ------------------------------------------------------------------------------ in one process, fake clock
@pytest.mark.parametrize("channel", CHANNELS)
def test_a_bot_sends_its_rate_in_the_first_second_and_one_more_waits_for_the_next(channel: str) -> None:
    limits = PLATFORM_LIMITS[channel]  # type: ignore[index]
    rate = int(limits.bot.per_second)
    clock = FakeClock()
    # Every send to a different chat: only the bot's limit is in the way.
    times = send_times(local(limits, clock), clock, [f"chat:{i}" for i in range(3 * rate + 1)])

    assert sum(t < 1.0 for t in times) == rate  # exactly the limit in the first second
    assert times[rate] >= 1.0  # one more goes in the next
    assert most_in_any(times, 1.0) == rate  # and no second anywhere holds more


def test_a_telegram_chat_takes_its_burst_at_once_and_the_next_a_second_later() -> None:
    clock = FakeClock()
    limiter = local(PlatformLimits(bot=Rate(per_second=1000), chat=Rate(per_second=1, burst=3)), clock)

    times = send_times(limiter, clock, ["telegram:1"] * 6)

    assert times[:3] == pytest.approx([0, 0.001, 0.002], abs=1e-5)  # the burst (spaced by the bot's 1/1000 s)
    assert times[3] == pytest.approx(1.0)  # the fourth: a second after the first
    assert times[4:] == pytest.approx([2.0, 3.0], abs=1e-5)
    assert most_in_any(times, 1.0) == 3
    assert most_in_any(times, 10.0) == 6


def test_a_whatsapp_user_gets_forty_five_at_once_then_one_per_six_seconds() -> None:
    """Meta: one message per 6 s to a user, bursts of up to 45 in 6 s tolerated (131056 beyond)."""
    clock = FakeClock()
    whatsapp = PLATFORM_LIMITS["whatsapp"]
    times = send_times(local(whatsapp, clock), clock, ["whatsapp:375291234567"] * 47)

    assert times[44] < 1.0  # the forty-fifth with the burst
    assert times[45] == pytest.approx(6.0, abs=1e-5)  # the forty-sixth six seconds on
    assert times[46] == pytest.approx(12.0, abs=1e-5)
    assert most_in_any(times, 6.0) == 45


def test_the_chats_do_not_share_a_limit() -> None:
    clock = FakeClock()
    limiter = local(PlatformLimits(bot=Rate(per_second=1000), chat=Rate(per_second=1)), clock)

    times = send_times(limiter, clock, ["telegram:1", "telegram:2", "telegram:3", "telegram:1"])

    assert times[:3] == pytest.approx([0, 0.001, 0.002], abs=1e-5)
    assert times[3] == pytest.approx(1.0)


def test_an_idle_chat_gets_its_burst_back_and_no_more() -> None:
    clock = FakeClock()
    limiter = local(PlatformLimits(bot=Rate(per_second=1000), chat=Rate(per_second=1, burst=3)), clock)
    send_times(limiter, clock, ["telegram:1"] * 3)
    clock.sleep(60)  # a long idle spell stores nothing beyond the burst

    times = send_times(limiter, clock, ["telegram:1"] * 4)

    assert times[3] == pytest.approx(1.0)


def test_a_wait_of_exactly_the_longest_is_waited() -> None:
    clock = FakeClock()
    slow = PlatformLimits(bot=Rate(per_second=1 / MAX_WAIT_SECONDS))
    limiter = local(slow, clock)
    limiter.acquire(None)

    assert limiter.acquire(None) == pytest.approx(MAX_WAIT_SECONDS, abs=1e-5)


def test_a_wait_beyond_the_longest_is_not_waited_and_is_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[str] = []
    monkeypatch.setattr(ratelimit, "count", lambda name, **_: counted.append(name))
    clock = FakeClock()
    limiter = local(PlatformLimits(bot=Rate(per_second=1 / (MAX_WAIT_SECONDS + 0.001))), clock)
    limiter.acquire(None)

    assert limiter.acquire(None) == 0  # sent at once: the platform's 429 answer takes over
    assert counted == ["SendPaceExceeded"]


def test_the_bot_slot_is_never_before_the_chat_slot() -> None:
    clock = FakeClock()
    limiter = local(TELEGRAM, clock)
    send_times(limiter, clock, ["telegram:1"] * 3)

    assert limiter.acquire("telegram:1") == pytest.approx(1.0 - 2 / 30, abs=1e-4)  # a second after the first


def test_a_process_forgets_the_least_recently_used_chat_beyond_its_bound() -> None:
    clock = FakeClock()
    limiter = RateLimiter(TELEGRAM, clock=clock, sleep=clock.sleep, max_chats=2)
    for chat in ("telegram:1", "telegram:2", "telegram:1", "telegram:3"):
        limiter.acquire(chat)

    assert list(limiter._chats) == ["telegram:1", "telegram:3"]


# ------------------------------------------------------------------------------ shared: the table (moto)
@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("dynamodb")
        create_table(client, "SendRatesTable", "send-rates")
        yield client


@contextmanager
def atomic_update_answers() -> Iterator[None]:
    """DynamoDB returns an UpdateItem's old values from the write itself; moto reads them before it writes,
    outside atomic_dynamodb_writes' lock. Here the whole request is one step, as in DynamoDB."""
    from moto.dynamodb.responses import DynamoHandler

    lock, original = threading.Lock(), DynamoHandler.update_item

    def update_item(self: Any) -> Any:
        with lock:
            return original(self)

    DynamoHandler.update_item = update_item  # type: ignore[method-assign]
    try:
        yield
    finally:
        DynamoHandler.update_item = original  # type: ignore[method-assign]


def container(dynamodb: Any, clock: FakeClock, limits: PlatformLimits = TELEGRAM, **kwargs: Any) -> SharedRateLimiter:
    """One warm Lambda's limiter: its own process state, the stack's table."""
    alone = RateLimiter(limits, clock=clock, sleep=clock.sleep)
    return SharedRateLimiter(
        "telegram", limits, "send-rates", lambda: dynamodb, fallback=alone, clock=clock, sleep=clock.sleep, **kwargs
    )


def test_two_containers_share_one_bots_limit(dynamodb: Any) -> None:
    clock = FakeClock()
    first, second = container(dynamodb, clock), container(dynamodb, clock)
    times = []
    for index in range(61):  # turn about, as two Lambdas sending at once would
        (first if index % 2 else second).acquire(f"telegram:{index}")
        times.append(clock.elapsed())

    assert sum(t < 1.0 for t in times) == 30  # exactly the limit in the first second, between them
    assert times[30] >= 1.0
    assert most_in_any(times, 1.0) == 30


def test_two_containers_share_one_chats_limit(dynamodb: Any) -> None:
    clock = FakeClock()
    conversation, notices = container(dynamodb, clock), container(dynamodb, clock)
    times = []
    for limiter in (conversation, notices, conversation, notices, conversation):
        limiter.acquire("telegram:42")
        times.append(clock.elapsed())

    assert times[2] < 1.0  # the burst of three, whoever sent it
    assert times[3] == pytest.approx(1.0, abs=1e-5)  # the fourth waits for the next second
    assert times[4] == pytest.approx(2.0, abs=1e-5)


def test_a_shared_bot_slot_is_never_before_the_chat_slot(dynamodb: Any) -> None:
    clock = FakeClock()
    limiter = container(dynamodb, clock)
    send_times(limiter, clock, ["telegram:1"] * 3)

    assert limiter.acquire("telegram:1") == pytest.approx(1.0 - 2 / 30, abs=1e-4)  # a second after the first
    assert limiter.acquire("telegram:2") == pytest.approx(1 / 30, abs=1e-4)  # the unused bot slot is skipped


def test_containers_racing_for_one_bot_each_get_a_slot_of_their_own(dynamodb: Any) -> None:
    # Two threads are two Lambdas reserving at the same instant; DynamoDB's conditional writes and the values
    # they return are atomic (the two context managers give moto that guarantee), so each slot of the bot's
    # pace is taken once.
    clock, per_container = FakeClock(), 20
    now = round(clock() * 1_000_000)
    containers = [container(dynamodb, clock), container(dynamodb, clock)]
    slots: list[list[int]] = [[], []]

    def reserve_all(index: int) -> None:
        slots[index].extend(containers[index].reserve(None, now) for _ in range(per_container))

    with atomic_dynamodb_writes(), atomic_update_answers():
        threads = [threading.Thread(target=reserve_all, args=(index,)) for index in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    interval = TELEGRAM.bot.interval_us
    assert sorted(slots[0] + slots[1]) == [now + k * interval for k in range(2 * per_container)]


def test_the_table_keeps_a_digest_of_the_chat_and_a_time_to_live(dynamodb: Any) -> None:
    clock = FakeClock()
    container(dynamodb, clock).acquire("whatsapp:375291234567")
    items = {item["pk"]["S"]: item for item in dynamodb.scan(TableName="send-rates")["Items"]}

    assert set(items) == {bot_key("telegram"), chat_key_of("telegram", "whatsapp:375291234567")}
    assert not any("375291234567" in key for key in items)  # the phone number is not kept
    assert all(int(item["expires_at"]["N"]) > clock.now for item in items.values())


def test_a_shared_wait_beyond_the_longest_is_not_waited_and_the_key_not_moved(dynamodb: Any) -> None:
    clock = FakeClock()
    slow = PlatformLimits(bot=Rate(per_second=1 / (MAX_WAIT_SECONDS + 0.001)))
    limiter = container(dynamodb, clock, slow)
    limiter.acquire(None)
    before = dynamodb.scan(TableName="send-rates")["Items"]

    assert limiter.acquire(None) == 0
    assert dynamodb.scan(TableName="send-rates")["Items"] == before


def test_a_shared_wait_of_exactly_the_longest_is_waited(dynamodb: Any) -> None:
    clock = FakeClock()
    limiter = container(dynamodb, clock, PlatformLimits(bot=Rate(per_second=1 / MAX_WAIT_SECONDS)))
    limiter.acquire(None)

    assert limiter.acquire(None) == pytest.approx(MAX_WAIT_SECONDS, abs=1e-5)


class Unreachable:
    def __init__(self) -> None:
        self.calls = 0

    def update_item(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        raise EndpointConnectionError(endpoint_url="https://dynamodb.eu-central-1.amazonaws.com")


def test_an_unreachable_table_paces_in_the_process_counted_and_tries_again_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counted: list[str] = []
    monkeypatch.setattr(ratelimit, "count", lambda name, **_: counted.append(name))
    clock, table = FakeClock(), Unreachable()
    alone = RateLimiter(TELEGRAM, clock=clock, sleep=clock.sleep)
    limiter = SharedRateLimiter(
        "telegram", TELEGRAM, "send-rates", lambda: table, fallback=alone, clock=clock, sleep=clock.sleep
    )

    waits = [limiter.acquire("telegram:1")]
    tried = table.calls
    waits += [limiter.acquire("telegram:1") for _ in range(3)]

    assert waits[3] > 0.9  # still paced: the fourth to the chat waits for its second
    assert counted == ["SendRateFallback"] * 4
    assert table.calls == tried  # the table is left alone for a while
    clock.sleep(SHARED_RETRY_SECONDS)
    limiter.acquire("telegram:2")
    assert table.calls > tried


def test_a_table_that_refuses_paces_in_the_process_too(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[str] = []
    monkeypatch.setattr(ratelimit, "count", lambda name, **_: counted.append(name))
    clock = FakeClock()
    alone = RateLimiter(TELEGRAM, clock=clock, sleep=clock.sleep)
    limiter = SharedRateLimiter(
        "telegram", TELEGRAM, "no-such-table", lambda: dynamodb, fallback=alone, clock=clock, sleep=clock.sleep
    )

    waits = [limiter.acquire("telegram:1") for _ in range(4)]

    assert waits[3] > 0.9
    assert counted == ["SendRateFallback"] * 4


def test_the_message_api_shares_the_limits_when_the_stack_names_a_table() -> None:
    shared = build_limiters(ChannelSettings(send_rates_table="send-rates"))
    alone = build_limiters(ChannelSettings(send_rates_table=None))

    assert {type(limiter) for limiter in shared.values()} == {SharedRateLimiter}
    assert {type(limiter) for limiter in alone.values()} == {RateLimiter}
    assert set(shared) == set(CHANNELS)


# ------------------------------------------------------------------------------ the stack: table and grants
def _functions() -> dict[str, Any]:
    return {name: r for name, r in template_resources().items() if r["Type"] == "AWS::Serverless::Function"}


def _messenger_senders() -> set[str]:
    """The functions that may read a messenger's sending token (the oracle: who can send at all)."""
    return {name for name, function in _functions().items() if "telegram/bot-token" in json.dumps(function)}


def _pacers() -> dict[str, list[Any]]:
    """Function -> each policy of its that names the send-rates table (SAM's form, before the transform)."""
    granted: dict[str, list[Any]] = {}
    for name, function in _functions().items():
        for policy in function["Properties"].get("Policies", []):
            if "SendRatesTable" in json.dumps(policy):
                granted.setdefault(name, []).append(policy)
    return granted


def test_every_function_that_sends_to_a_messenger_paces_in_the_table_and_may_only_update_it() -> None:
    senders = _messenger_senders()
    only_update = {
        "Statement": [
            {
                "Sid": "PaceSends",
                "Effect": "Allow",
                "Action": "dynamodb:UpdateItem",
                "Resource": {"Fn::GetAtt": ["SendRatesTable", "Arn"]},
            }
        ]
    }

    assert {"ConversationFunction", "NotifyCustomerFunction"} <= senders
    assert _pacers() == {name: [only_update] for name in senders}
    for name in senders:
        variables = _functions()[name]["Properties"]["Environment"]["Variables"]
        assert variables["SEND_RATES_TABLE"] == {"Ref": "SendRatesTable"}, name


def test_the_table_forgets_idle_keys_by_the_attribute_the_limiter_writes() -> None:
    properties = template_resources()["SendRatesTable"]["Properties"]

    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
