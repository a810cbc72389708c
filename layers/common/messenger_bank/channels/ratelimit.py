"""Paces every send to a messenger within the platform's published rates, per bot and per chat.

The algorithm is GCRA (the generic cell rate algorithm: a token bucket kept as one number, the key's
"theoretical arrival time" TAT). A key (a bot, a chat) with rate r and burst b lets a send go at
max(now, TAT - (b - 1)/r) and moves TAT to max(TAT, now) + 1/r. A key never seen, or idle, has no debt and
no stock: with b = 1 the sends are evenly spaced, never more than r in any second, the first one included
(a bucket that starts full lets b + r through its first second). A chat's burst b > 1 is the tolerance
the platform publishes, not a stock that builds up: at most b at once, then one per 1/r.

Shared (SharedRateLimiter): every function that sends to a messenger paces itself against one item per
key in the send-rates table (`SEND_RATES_TABLE`), moved by one conditional UpdateItem, so that warm
Lambdas, the conversation's and the notices' alike, share each limit. Without the table (unit tests, a
bare process) the in-process RateLimiter paces alone; with the table unreachable it paces too, logged and
counted (`SendRateFallback`), so that no send is lost for want of a counter.

A wait longer than `max_wait` is not waited (a Lambda must not idle towards its timeout): the send goes
unpaced, counted (`SendPaceExceeded`), and the platform's own throttling answer (Telegram 429 +
retry_after, Meta 130429 / 131056 / 613, Viber 12) is retried by the MessageAPI.

Clocks: in-process, a monotonic clock; shared, the wall clock (the one time Lambdas agree on). Both and
the sleep are injectable, so tests run on a fake clock.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.observability import count, logger
from messenger_bank.types import Channel

MICROS = 1_000_000
# Just over WhatsApp's one message per 6 s to a user, below the conversation function's 10 s timeout.
MAX_WAIT_SECONDS = 7.0
# After the table failed, how long this process paces alone before it tries the table again.
SHARED_RETRY_SECONDS = 30.0


class Rate(BaseModel):
    """`per_second` sustained; `burst` sends at once after an idle spell (1: evenly spaced)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    per_second: float = Field(gt=0)
    burst: int = Field(default=1, ge=1)

    @property
    def interval_us(self) -> int:
        return math.ceil(MICROS / self.per_second)  # rounded up: never faster than the rate

    @property
    def tolerance_us(self) -> int:
        return (self.burst - 1) * self.interval_us


class PlatformLimits(BaseModel):
    """A platform's limits on this stack's bot (number, page) and on one chat with it (None: no chat limit)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    bot: Rate
    chat: Rate | None = None


# The published limits (PLATFORMS.md), the one place they are written:
# - Telegram: about 30 messages/s in total and 1/s per chat, "short bursts tolerated": the bot evenly
#   spaced at 30/s; a chat 1/s with a burst of 3 (a turn's text, picture and keyboard go together).
# - Viber: 100/s per bot. Its 100 messages per user per hour without a reply is a cap the notices keep,
#   not a rate: not here.
# - WhatsApp: 80 messages/s per number; about one per 6 s to one user with bursts tolerated (131056
#   beyond; Meta allows up to 45 in 6 s, then as long a pause): a burst of 45, then one per 6 s.
# - Messenger: 300 calls/s per page; per chat nothing is published: 5/s with a burst of 10.
PLATFORM_LIMITS: dict[Channel, PlatformLimits] = {
    "telegram": PlatformLimits(bot=Rate(per_second=30), chat=Rate(per_second=1, burst=3)),
    "viber": PlatformLimits(bot=Rate(per_second=100)),
    "whatsapp": PlatformLimits(bot=Rate(per_second=80), chat=Rate(per_second=1 / 6, burst=45)),
    "messenger": PlatformLimits(bot=Rate(per_second=300), chat=Rate(per_second=5, burst=10)),
}


def pace(tat: int | None, now: int, rate: Rate, latest: int) -> tuple[int, int] | None:
    """GCRA in microseconds: (when the send may go, the key's new TAT); None when that would be after
    `latest` (the key is left as it was)."""
    if tat is None or tat <= now:
        return now, now + rate.interval_us
    send_at = max(now, tat - rate.tolerance_us)
    if send_at > latest:
        return None
    return send_at, tat + rate.interval_us


def bot_key(channel: Channel) -> str:
    return f"RATE#{channel}#bot"


def chat_key_of(channel: Channel, chat_key: str) -> str:
    # A digest: a WhatsApp chat id is the customer's phone number, and this table needs no personal data.
    digest = hashlib.blake2b(chat_key.encode(), digest_size=12).hexdigest()
    return f"RATE#{channel}#chat#{digest}"


def _micros(seconds: float) -> int:
    return round(seconds * MICROS)


def _beyond_max_wait(channel: Channel, scope: str) -> None:
    logger.info("send pace beyond the longest wait; sent unpaced", extra={"channel": channel, "scope": scope})
    count("SendPaceExceeded", channel=channel)


@dataclass
class RateLimiter:
    """The limits of one platform kept in this process (one warm Lambda)."""

    limits: PlatformLimits
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    max_wait: float = MAX_WAIT_SECONDS
    max_chats: int = 10_000
    channel: Channel = "telegram"  # named in logs and metrics only
    _bot: int | None = None
    _chats: OrderedDict[str, int] = field(default_factory=OrderedDict)

    def reserve(self, chat_key: str | None, now: int) -> int:
        """The microsecond at which one more send to `chat_key` (None: no chat limit) may go."""
        send_at = now
        chat = self.limits.chat
        if chat_key is not None and chat is not None:
            slot = pace(self._chats.get(chat_key), now, chat, now + _micros(self.max_wait))
            if slot is None:
                _beyond_max_wait(self.channel, "chat")
            else:
                send_at, self._chats[chat_key] = slot
                self._chats.move_to_end(chat_key)
                while len(self._chats) > self.max_chats:
                    self._chats.popitem(last=False)  # the least recently used chat
        bot = self.limits.bot
        slot = pace(self._bot, send_at, bot, now + _micros(self.max_wait))
        if slot is None:
            _beyond_max_wait(self.channel, "bot")
            return send_at
        send_at, self._bot = slot
        return send_at

    def acquire(self, chat_key: str | None) -> float:
        """Wait until one more request to `chat_key` is allowed; returns the seconds waited."""
        now = _micros(self.clock())
        wait = (self.reserve(chat_key, now) - now) / MICROS
        if wait > 0:
            self.sleep(wait)
        return wait


class Limiter(Protocol):
    def acquire(self, chat_key: str | None) -> float: ...


class DynamoDBClient(Protocol):
    def update_item(self, **kwargs: Any) -> dict[str, Any]: ...


@dataclass
class SharedRateLimiter:
    """The limits of one platform shared by every function that sends to it, in the send-rates table.

    One item per key: `pk` (RATE#<channel>#bot, RATE#<channel>#chat#<digest>), `tat` (microseconds of the
    wall clock) and `expires_at` (TTL). A reservation is one UpdateItem whose condition says which case
    of GCRA it is: the key idle (`tat` ≤ now: TAT = now + interval, send now) or busy (now < `tat` ≤ the
    longest wait: TAT += interval, send at the old TAT - tolerance). When the condition fails the item
    that failed it says which case holds now (ReturnValuesOnConditionCheckFailure), and the other is tried.
    """

    channel: Channel
    limits: PlatformLimits
    table_name: str
    client: Callable[[], DynamoDBClient]
    fallback: RateLimiter
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    max_wait: float = MAX_WAIT_SECONDS
    _shared_from: float = 0.0  # the table is used again from this clock() reading
    _busy: dict[str, bool] = field(default_factory=dict)  # which case succeeded last, to try it first
    _pool: ThreadPoolExecutor | None = None

    def acquire(self, chat_key: str | None) -> float:
        """Wait until one more request to `chat_key` is allowed; returns the seconds waited."""
        seconds = self.clock()
        if seconds < self._shared_from:
            count("SendRateFallback", channel=self.channel)
            return self.fallback.acquire(chat_key)
        now = _micros(seconds)
        try:
            send_at = self.reserve(chat_key, now)
        except (BotoCoreError, ClientError, ConditionRace) as error:
            logger.warning(
                "send rates table unreachable; pacing in this process",
                extra={"channel": self.channel, "error": type(error).__name__},
            )
            count("SendRateFallback", channel=self.channel)
            if not isinstance(error, ConditionRace):
                self._shared_from = seconds + SHARED_RETRY_SECONDS
            return self.fallback.acquire(chat_key)
        wait = (send_at - now) / MICROS
        if wait > 0:
            self.sleep(wait)
        return wait

    def reserve(self, chat_key: str | None, now: int) -> int:
        """The microsecond at which one more send to `chat_key` may go, reserved in the table.

        The chat's and the bot's reservations go at once (one round trip, not two); when the chat's turn
        comes after the bot's slot, a bot slot at the chat's turn is taken (the first stays unused: the
        bot's pace errs slow, never fast)."""
        bot, chat = bot_key(self.channel), self.limits.chat
        if chat_key is None or chat is None:
            return self._bot_slot(now, now)
        chat_reservation = self._worker().submit(self._reserve, chat_key_of(self.channel, chat_key), now, chat, now)
        bot_slot = self._reserve(bot, now, self.limits.bot, now)
        chat_slot = chat_reservation.result()
        if chat_slot is None:
            _beyond_max_wait(self.channel, "chat")
            chat_slot = now
        if bot_slot is not None and bot_slot >= chat_slot:
            return bot_slot
        if bot_slot is None:
            _beyond_max_wait(self.channel, "bot")
            return chat_slot
        return self._bot_slot(chat_slot, now)

    def _bot_slot(self, not_before: int, now: int) -> int:
        slot = self._reserve(bot_key(self.channel), not_before, self.limits.bot, now)
        if slot is None:
            _beyond_max_wait(self.channel, "bot")
            return not_before
        return slot

    def _worker(self) -> ThreadPoolExecutor:
        if self._pool is None:  # created on the first send to a chat; its thread waits on the table's answer
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"pace-{self.channel}")
        return self._pool

    def _reserve(self, key: str, now: int, rate: Rate, asked_at: int) -> int | None:
        latest = asked_at + _micros(self.max_wait)  # the latest send time worth waiting for
        busy = self._busy.get(key, False)
        for _ in range(4):  # each failed condition names the case that holds; 4 covers a race or two
            try:
                if busy:
                    answer = self.client().update_item(
                        TableName=self.table_name,
                        Key={"pk": {"S": key}},
                        UpdateExpression="SET tat = tat + :interval, expires_at = :expires",
                        ConditionExpression="tat > :now AND tat <= :latest",
                        ExpressionAttributeValues={
                            ":interval": {"N": str(rate.interval_us)},
                            ":now": {"N": str(now)},
                            ":latest": {"N": str(latest + rate.tolerance_us)},
                            ":expires": {"N": str(self._expiry(latest + rate.tolerance_us + rate.interval_us))},
                        },
                        ReturnValues="UPDATED_OLD",
                        ReturnValuesOnConditionCheckFailure="ALL_OLD",
                    )
                    old = int(answer["Attributes"]["tat"]["N"])
                else:
                    self.client().update_item(
                        TableName=self.table_name,
                        Key={"pk": {"S": key}},
                        UpdateExpression="SET tat = :tat, expires_at = :expires",
                        ConditionExpression="attribute_not_exists(tat) OR tat <= :now",
                        ExpressionAttributeValues={
                            ":tat": {"N": str(now + rate.interval_us)},
                            ":now": {"N": str(now)},
                            ":expires": {"N": str(self._expiry(now + rate.interval_us))},
                        },
                        ReturnValuesOnConditionCheckFailure="ALL_OLD",
                    )
                    old = None
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                item: dict[str, Any] = cast(dict[str, Any], error.response).get("Item") or {}  # what failed it
                tat = int(item["tat"]["N"]) if "tat" in item else None
                if tat is not None and tat > now and pace(tat, now, rate, latest) is None:
                    return None
                busy = tat is not None and tat > now
                continue
            if len(self._busy) >= 10_000:
                self._busy.clear()  # only a hint of which case to try first: cheap to lose
            self._busy[key] = busy
            slot = pace(old, now, rate, latest)
            return slot[0] if slot is not None else now
        raise ConditionRace(key)

    @staticmethod
    def _expiry(tat: int) -> int:
        return tat // MICROS + 60  # an idle key's item goes with the TTL; a stale one reads as idle anyway


class ConditionRace(Exception):
    """The key moved under every try: paced in this process (as if the table were unreachable)."""
