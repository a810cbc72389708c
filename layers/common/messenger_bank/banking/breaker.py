"""A circuit breaker per bank system, its state shared by every container through one DynamoDB item.

Closed: calls go through; a failed call (the system down, slow or answering garbage, after the client's
own retries) is counted, and ``failures_to_open`` failures within ``window`` seconds open it. Open: calls
fail at once with ``BankSystemUnavailable(system=...)``, the system not called. After ``cool_down``
seconds the next call is a probe (half-open: one container wins the conditional write and calls, the
others still fail fast); its success closes the breaker, its failure opens it again for another cool-down.
A probe that never reports (its Lambda died) is taken over after another cool-down.

Written by hand: Powertools has no circuit breaker, and a library one (pybreaker) keeps its state in one
process or in Redis, not in DynamoDB where every container of every function can see it.

The transitions are pure functions of (state, now, policy); ``BreakerBoard`` stores them with a version
attribute and conditional writes, so two containers failing together both count.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import Any, Literal

import boto3
from botocore.exceptions import ClientError

from messenger_bank.banking.settings import System, bank_settings
from messenger_bank.observability import count, logger

BreakerStatus = Literal["closed", "open", "half_open"]
Admission = Literal["call", "probe", "refuse"]
# The systems the conversation names to a customer and waits for: a breaker guards each of them.
GUARDED_SYSTEMS: tuple[System, ...] = ("core", "passport", "cerberus", "billing")


@dataclass(frozen=True)
class BreakerPolicy:
    failures_to_open: int = 5
    window: float = 60.0
    cool_down: float = 30.0
    # How long one container trusts a clean reading (closed, no failure) before reading the item again. Read on
    # every call, each system's one item took a strongly consistent read per bank call of every container: a hot
    # key at the bank's peak (3,000 reads a second is a partition's most), and a round trip on every call. A
    # breaker another container opens is seen here at most this much later; this container's own failures are
    # counted at once and drop its trust.
    trust_clean: float = 1.0


@dataclass(frozen=True)
class Breaker:
    """One system's breaker. ``since``: when it opened, or when its probe began (half-open)."""

    system: str
    status: BreakerStatus = "closed"
    failures: int = 0
    window_started_at: float = 0.0
    since: float = 0.0
    version: int = 0

    @property
    def clean(self) -> bool:
        return self.status == "closed" and self.failures == 0


# --- the transitions -------------------------------------------------------------------------------------
def admit(breaker: Breaker, now: float, policy: BreakerPolicy) -> Admission:
    """May a call go to the system now: as usual, as the probe, or not at all."""
    if breaker.status == "closed":
        return "call"
    if now - breaker.since < policy.cool_down:
        return "refuse"  # open and cooling down, or another container's probe still running
    return "probe"


def probing(breaker: Breaker, now: float) -> Breaker:
    return replace(breaker, status="half_open", since=now)


def failed(breaker: Breaker, now: float, policy: BreakerPolicy) -> Breaker:
    """After a failed call: counted in the window; the Nth opens it; a probe's failure opens it again."""
    if breaker.status != "closed":
        return replace(breaker, status="open", since=now)
    in_window = breaker.failures > 0 and now - breaker.window_started_at < policy.window
    failures = breaker.failures + 1 if in_window else 1
    started = breaker.window_started_at if in_window else now
    if failures >= policy.failures_to_open:
        return replace(breaker, status="open", failures=failures, window_started_at=started, since=now)
    return replace(breaker, failures=failures, window_started_at=started)


def succeeded(breaker: Breaker) -> Breaker:
    return replace(breaker, status="closed", failures=0, window_started_at=0.0, since=0.0)


def failing(breaker: Breaker, now: float, policy: BreakerPolicy) -> bool:
    """Open, probing, or with a failure in the current window: what the conversation names as not answering."""
    return breaker.status != "closed" or (breaker.failures > 0 and now - breaker.window_started_at < policy.window)


# --- the shared store ------------------------------------------------------------------------------------
class BreakerBoard:
    """The breakers in DynamoDB (``BANK_BREAKERS_TABLE``, key ``system``): read, transitioned, written back
    only if nobody wrote in between (else read again and re-applied)."""

    ATTEMPTS = 5

    def __init__(self, table: Any, policy: BreakerPolicy) -> None:
        self.table = table
        self.policy = policy
        self._clean_since: dict[str, float] = {}  # system -> when this container last read it clean

    def read(self, system: str) -> Breaker:
        item = self.table.get_item(Key={"system": system}, ConsistentRead=True).get("Item")
        if item is None:
            return Breaker(system=system)
        return Breaker(
            system=system,
            status=item["status"],
            failures=int(item["failures"]),
            window_started_at=float(item["window_started_at"]),
            since=float(item["since"]),
            version=int(item["version"]),
        )

    def read_all(self, systems: tuple[str, ...] = GUARDED_SYSTEMS) -> list[Breaker]:
        return [self.read(system) for system in systems]

    def _write(self, before: Breaker, after: Breaker) -> bool:
        item = {
            "system": after.system,
            "status": after.status,
            "failures": after.failures,
            "window_started_at": Decimal(str(after.window_started_at)),
            "since": Decimal(str(after.since)),
            "version": before.version + 1,
            "changed_at": Decimal(str(time.time())),
        }
        try:
            if before.version == 0:
                self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(#s)", **_NAMES)
            else:
                self.table.put_item(
                    Item=item, ConditionExpression="version = :v", ExpressionAttributeValues={":v": before.version}
                )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def admit(self, system: str, now: float) -> Admission:
        return self.admission(system, now)[0]

    def admission(self, system: str, now: float) -> tuple[Admission, Breaker]:
        """The decision, and the breaker as it was read (a clean one needs no write after a success)."""
        read_at = self._clean_since.get(system)
        if read_at is not None and 0 <= now - read_at < self.policy.trust_clean:
            return "call", Breaker(system=system)
        self._clean_since.pop(system, None)
        breaker = Breaker(system=system)
        for _ in range(self.ATTEMPTS):
            breaker = self.read(system)
            decision = admit(breaker, now, self.policy)
            if decision != "probe":
                if breaker.clean:
                    self._clean_since[system] = now
                return decision, breaker
            if self._write(breaker, probing(breaker, now)):
                logger.info("bank circuit half-open: probing", extra={"system": system})
                return "probe", probing(breaker, now)
        return "refuse", breaker  # others are writing: someone else probes

    def record_failure(self, system: str, now: float) -> Breaker:
        self._clean_since.pop(system, None)
        for _ in range(self.ATTEMPTS):
            breaker = self.read(system)
            after = failed(breaker, now, self.policy)
            if self._write(breaker, after):
                if after.status == "open" and breaker.status != "open":
                    count("BankCircuitOpened", system=system)
                    logger.warning("bank circuit opened", extra={"system": system, "failures": after.failures})
                return after
        return self.read(system)

    def record_success(self, system: str) -> Breaker:
        for _ in range(self.ATTEMPTS):
            breaker = self.read(system)
            if breaker.clean:
                return breaker
            if self._write(breaker, succeeded(breaker)):
                if breaker.status != "closed":
                    count("BankCircuitClosed", system=system)
                    logger.info("bank circuit closed", extra={"system": system})
                return succeeded(breaker)
        return self.read(system)


_NAMES: dict[str, Any] = {"ExpressionAttributeNames": {"#s": "system"}}


@cache
def breaker_board() -> BreakerBoard | None:
    """The stack's board; None where no table is configured (the sandbox-only tests, a local script)."""
    settings = bank_settings()
    if not settings.breakers_table:
        return None
    policy = BreakerPolicy(settings.breaker_failures, settings.breaker_window, settings.breaker_cool_down)
    return BreakerBoard(boto3.resource("dynamodb").Table(settings.breakers_table), policy)
