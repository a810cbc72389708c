"""Small statistics for the benchmarks: figures are printed, never asserted."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime
from typing import Any


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: Sequence[float]) -> str:
    return (
        f"p50 {percentile(values, 0.5):7.2f} ms  p95 {percentile(values, 0.95):7.2f} ms  "
        f"p99 {percentile(values, 0.99):7.2f} ms  (n={len(values)})"
    )


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def epoch(value: Any) -> float:
    """Seconds since the epoch, from a boto3 datetime or a number."""
    return value.timestamp() if isinstance(value, datetime) else float(value)
