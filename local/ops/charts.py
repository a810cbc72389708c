"""What the operations view's charts show, computed here from the executions (pure functions; the page only
draws): per journey (state machine), over the last hour in one-minute buckets, the executions started per
minute, the failure rate of those that ended in the minute, and the p50 / p95 duration of those that
ended in it; and the hour's totals. The stuck-money list: executions waiting in a state where a
customer's money is neither here nor there (running, trying again by themselves), and failed payout runs.

Percentiles are nearest-rank (the smallest duration that at least p % of them do not exceed), the way
CloudWatch's pNN reads for a small sample: a value that was measured, never an interpolation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

FAILED_STATUSES = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})
WINDOW = timedelta(hours=1)
BUCKET = timedelta(minutes=1)

# Where a customer's money waits, and what waits there. A money journey's stuck states (statemachines/*.asl.yaml)
# are Wait states, named here, in which a running execution tries the failed step again every half hour (a Fail
# state could not be redriven: a redrive resumes at the state that failed); a failed payout run ends in the Fail
# state CashbackNotPaid (its error is named here) and is started again for the month. A unit test holds this to
# the state machines: every stuck state and that error is here, and every name here is one of them.
STUCK_MONEY: dict[str, str] = {
    "RefundStuck": "a failed transfer's refund did not complete",
    "VoidStuck": "a transfer's lost debit is not settled yet",
    "TopUpCreditStuck": "a paid top-up is not credited",
    "PaymentStuck": "a bill payment's outcome is unknown",
    "CashbackNotPaid": "some customers' cashback is owed and not paid",
}


@dataclass(frozen=True)
class ExecutionPoint:
    """What the charts need of one execution."""

    machine: str
    status: str
    started: datetime
    stopped: datetime | None  # None while running


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of `values` (0 < p <= 100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _duration_ms(point: ExecutionPoint) -> int:
    assert point.stopped is not None
    return max(0, round((point.stopped - point.started).total_seconds() * 1000))


def _summary(ended: list[ExecutionPoint]) -> dict[str, float | None]:
    durations = [_duration_ms(p) for p in ended]
    failed = sum(1 for p in ended if p.status in FAILED_STATUSES)
    return {
        "failure_rate": round(failed / len(ended), 4) if ended else None,
        "p50_ms": percentile(durations, 50),
        "p95_ms": percentile(durations, 95),
    }


def journey_charts(points: Iterable[ExecutionPoint], machines: Iterable[str], *, now: datetime) -> dict[str, object]:
    """Per machine (every one in `machines`, with or without executions), the series of the last hour:
    `labels` (each minute's start, ISO), `started` (count), `failure_rate` (0-1, None when none ended),
    `p50_ms` / `p95_ms` (None when none ended); and `totals` over the hour. A minute is [start, start + 1 min);
    the hour is the 60 minutes ending with the current one."""
    end = now.replace(second=0, microsecond=0) + BUCKET
    start = end - WINDOW
    count = int(WINDOW / BUCKET)
    labels = [(start + i * BUCKET).isoformat(timespec="seconds") for i in range(count)]
    by_machine: dict[str, list[ExecutionPoint]] = {name: [] for name in machines}
    for point in points:
        by_machine.setdefault(point.machine, []).append(point)

    journeys = []
    for name in sorted(by_machine):
        started_in: list[int] = [0] * count
        ended_in: list[list[ExecutionPoint]] = [[] for _ in range(count)]
        for point in by_machine[name]:
            if start <= point.started < end:
                started_in[int((point.started - start) / BUCKET)] += 1
            if point.stopped is not None and start <= point.stopped < end:
                ended_in[int((point.stopped - start) / BUCKET)].append(point)
        minutes = [_summary(ended) for ended in ended_in]
        hour_ended = [p for ended in ended_in for p in ended]
        totals: dict[str, object] = {
            "started": sum(started_in),
            "ended": len(hour_ended),
            "failed": sum(1 for p in hour_ended if p.status in FAILED_STATUSES),
            **_summary(hour_ended),
        }
        journeys.append(
            {
                "state_machine": name,
                "started": started_in,
                "failure_rate": [m["failure_rate"] for m in minutes],
                "p50_ms": [m["p50_ms"] for m in minutes],
                "p95_ms": [m["p95_ms"] for m in minutes],
                "totals": totals,
            }
        )
    return {
        "window": {"from": start.isoformat(), "to": end.isoformat(), "bucket_s": 60},
        "labels": labels,
        "journeys": journeys,
    }
