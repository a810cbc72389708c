"""Token buckets that keep sends within each platform's published rates, per chat and in total.

The buckets live in the process: each warm Lambda paces itself; the fleet's total stays within the
platform's limit when reserved concurrency × the global rate does. Clock and sleep are injectable so
tests run on a fake clock.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.types import Channel


class RateLimits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    global_per_second: float = Field(gt=0)
    global_burst: float = Field(ge=1)
    chat_per_second: float = Field(gt=0)
    chat_burst: float = Field(ge=1)


# Published limits (PLATFORMS.md): Telegram ~30/s in total and ~1/s per chat (short bursts tolerated);
# Viber ≤ 100 messages per user per hour without a reply; WhatsApp 80/s per number and about one
# message per 6 s to one user (bursts tolerated, error 131056 beyond); Messenger 300 calls/s per page.
PLATFORM_LIMITS: dict[Channel, RateLimits] = {
    "telegram": RateLimits(global_per_second=30, global_burst=30, chat_per_second=1, chat_burst=3),
    "viber": RateLimits(global_per_second=100, global_burst=100, chat_per_second=100 / 3600, chat_burst=100),
    "whatsapp": RateLimits(global_per_second=80, global_burst=80, chat_per_second=1 / 6, chat_burst=20),
    "messenger": RateLimits(global_per_second=300, global_burst=300, chat_per_second=5, chat_burst=10),
}


@dataclass
class TokenBucket:
    rate: float
    capacity: float
    tokens: float
    updated: float

    def reserve(self, now: float) -> float:
        """Take one token; the seconds to wait before using it (the bucket may go into debt)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


@dataclass
class RateLimiter:
    limits: RateLimits
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    max_chats: int = 10_000
    _global: TokenBucket | None = None
    _chats: OrderedDict[str, TokenBucket] = field(default_factory=OrderedDict)

    def _bucket(self, key: str | None, now: float) -> TokenBucket:
        if key is None:
            if self._global is None:
                limits = self.limits
                self._global = TokenBucket(limits.global_per_second, limits.global_burst, limits.global_burst, now)
            return self._global
        bucket = self._chats.get(key)
        if bucket is None:
            bucket = TokenBucket(self.limits.chat_per_second, self.limits.chat_burst, self.limits.chat_burst, now)
            self._chats[key] = bucket
            while len(self._chats) > self.max_chats:
                self._chats.popitem(last=False)  # the least recently used chat
        else:
            self._chats.move_to_end(key)
        return bucket

    def acquire(self, chat_key: str | None) -> float:
        """Wait until one more request to `chat_key` is allowed; returns the seconds waited."""
        now = self.clock()
        wait = self._bucket(None, now).reserve(now)
        if chat_key is not None:
            wait = max(wait, self._bucket(chat_key, now).reserve(now))
        if wait > 0:
            self.sleep(wait)
        return wait
