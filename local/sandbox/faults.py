"""Fault injection per system and endpoint: latency, errors, hangs (timeouts), failure after commit.

A rule applies to ``(system, endpoint)``; the endpoint is the REST handler's name (see README.md) or
the SOAP operation; ``"*"`` matches any. The most specific rule wins: (system, endpoint), then
(system, "*"), then ("*", "*").
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from typing import Any

FAULT_KINDS: tuple[str, ...] = ("latency", "error", "timeout", "after_commit", "malformed")


@dataclass(frozen=True)
class Fault:
    """What to do to a call. Rates are probabilities in [0, 1], rolled once per request."""

    latency_ms: tuple[int, int] = (0, 0)
    error_rate: float = 0.0  # answer 503 before the handler runs (nothing committed)
    timeout_rate: float = 0.0  # hang `hang_seconds` before the handler runs, then 504 (nothing committed)
    after_commit_rate: float = 0.0  # the handler runs and commits, then a 500 replaces its answer
    malformed_rate: float = 0.0  # the handler runs, then a 200 with a malformed body (bad XML / JSON)
    hang_seconds: float = 10.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        values = dict(data)
        if "latency_ms" in values:
            low, high = values["latency_ms"]
            values["latency_ms"] = (int(low), int(high))
        fault = cls(**values)
        for rate in (fault.error_rate, fault.timeout_rate, fault.after_commit_rate, fault.malformed_rate):
            if not 0.0 <= rate <= 1.0:
                raise ValueError("rates must lie in [0, 1]")
        return fault

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["latency_ms"] = list(self.latency_ms)
        return data


REALISTIC_LATENCY = Fault(latency_ms=(150, 300))
DOWN = Fault(error_rate=1.0)


@dataclass(frozen=True)
class Decision:
    """The roll for one request."""

    latency_s: float = 0.0
    error: bool = False
    hang_s: float | None = None
    after_commit: bool = False
    malformed: bool = False


@dataclass
class FaultInjector:
    """Thread-safe rule table plus counters of what was injected."""

    seed: int | None = None
    _rules: dict[tuple[str, str], Fault] = field(default_factory=dict)
    _counts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def set(self, system: str, endpoint: str = "*", fault: Fault | None = None) -> None:
        with self._lock:
            if fault is None:
                self._rules.pop((system, endpoint), None)
            else:
                self._rules[(system, endpoint)] = fault

    def clear(self, system: str | None = None) -> None:
        with self._lock:
            if system is None:
                self._rules.clear()
            else:
                for key in [k for k in self._rules if k[0] == system]:
                    del self._rules[key]

    def down(self, system: str) -> None:
        """The system is down: every request to it answers 503 before its handler runs (nothing committed),
        health checks included, until ``up``."""
        self.set(system, "*", DOWN)

    def up(self, system: str) -> None:
        """The system is back: its down rule gone (its other rules, e.g. one endpoint's latency, stay)."""
        with self._lock:
            if self._rules.get((system, "*")) == DOWN:
                del self._rules[(system, "*")]

    def down_systems(self) -> list[str]:
        with self._lock:
            return sorted(system for (system, endpoint), rule in self._rules.items() if (endpoint, rule) == ("*", DOWN))

    def realistic(self) -> None:
        """The "realistic latency" preset: 150-300 ms on every call of every system."""
        self.set("*", "*", REALISTIC_LATENCY)

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"system": s, "endpoint": e, **fault.to_json()} for (s, e), fault in sorted(self._rules.items())]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {kind: self._counts[kind] for kind in FAULT_KINDS}

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    def decide(self, system: str, endpoint: str) -> Decision:
        with self._lock:
            fault = (
                self._rules.get((system, endpoint))
                or self._rules.get((system, "*"))
                or self._rules.get(("*", endpoint))
                or self._rules.get(("*", "*"))
            )
            if fault is None:
                return Decision()
            low, high = fault.latency_ms
            latency = self._random.uniform(low, high) / 1000.0 if high > 0 else 0.0
            if latency:
                self._counts["latency"] += 1
            roll = self._random.random()
            if roll < fault.error_rate:
                self._counts["error"] += 1
                return Decision(latency_s=latency, error=True)
            roll -= fault.error_rate
            if roll < fault.timeout_rate:
                self._counts["timeout"] += 1
                return Decision(latency_s=latency, hang_s=fault.hang_seconds)
            roll -= fault.timeout_rate
            if roll < fault.after_commit_rate:
                self._counts["after_commit"] += 1
                return Decision(latency_s=latency, after_commit=True)
            roll -= fault.after_commit_rate
            if roll < fault.malformed_rate:
                self._counts["malformed"] += 1
                return Decision(latency_s=latency, malformed=True)
            return Decision(latency_s=latency)
