"""The operations view's chart data (local/ops/charts.py) against an oracle that counts differently: each
execution's minute read from its clock text, percentiles by their definition (the smallest measured value
that at least p % of the values do not exceed), rates by counting statuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from local.ops.charts import STUCK_MONEY, ExecutionPoint, journey_charts, percentile

NOW = datetime(2026, 12, 7, 3, 14, 42, 500_000, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


def oracle_percentile(values: list[int], p: float) -> int | None:
    for candidate in sorted(set(values)):
        if sum(1 for v in values if v <= candidate) * 100 >= p * len(values):
            return candidate
    return None


def minute_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def point(machine: str, status: str, started_s_ago: float, took_s: float | None) -> ExecutionPoint:
    started = NOW - timedelta(seconds=started_s_ago)
    return ExecutionPoint(machine, status, started, None if took_s is None else started + timedelta(seconds=took_s))


def series(charts: dict[str, object], machine: str) -> dict[str, object]:
    return next(j for j in charts["journeys"] if j["state_machine"] == machine)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------- examples
def test_the_window_is_the_sixty_minutes_ending_with_the_current_one() -> None:
    charts = journey_charts([], ["transfer"], now=NOW)

    labels: list[str] = charts["labels"]  # type: ignore[assignment]
    assert len(labels) == 60
    assert labels[-1] == "2026-12-07T03:14:00+00:00"
    assert labels[0] == "2026-12-07T02:15:00+00:00"


def test_a_journey_without_executions_has_zeros_and_no_rates() -> None:
    transfer = series(journey_charts([], ["transfer"], now=NOW), "transfer")

    assert transfer["started"] == [0] * 60
    assert transfer["failure_rate"] == [None] * 60
    assert transfer["totals"] == {
        "started": 0,
        "ended": 0,
        "failed": 0,
        "failure_rate": None,
        "p50_ms": None,
        "p95_ms": None,
    }


def test_an_execution_started_just_inside_the_hour_counts_and_one_just_outside_does_not() -> None:
    first_minute = NOW.replace(second=0, microsecond=0) - timedelta(minutes=59)
    inside = ExecutionPoint("transfer", "RUNNING", first_minute, None)
    outside = ExecutionPoint("transfer", "RUNNING", first_minute - timedelta(microseconds=1), None)

    transfer = series(journey_charts([inside, outside], ["transfer"], now=NOW), "transfer")

    assert transfer["started"][0] == 1  # type: ignore[index]
    assert transfer["totals"]["started"] == 1  # type: ignore[index]


def test_a_running_execution_counts_as_started_and_not_in_the_rates() -> None:
    running = point("topup", "RUNNING", 30, None)
    failed = point("topup", "FAILED", 20, 2)

    topup = series(journey_charts([running, failed], ["topup"], now=NOW), "topup")

    assert topup["totals"]["started"] == 2  # type: ignore[index]
    assert topup["totals"]["failure_rate"] == 1.0  # type: ignore[index]


def test_timed_out_and_aborted_count_as_failures_and_succeeded_does_not() -> None:
    points = [point("m", status, 10, 1) for status in ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")]

    assert series(journey_charts(points, ["m"], now=NOW), "m")["totals"]["failure_rate"] == 0.75  # type: ignore[index]


def test_an_execution_counts_in_the_minute_it_ended_for_rates_and_durations() -> None:
    # Started in minute 03:12, ended in 03:14 after 100 s.
    long_one = ExecutionPoint(
        "m", "SUCCEEDED", datetime(2026, 12, 7, 3, 12, 10, tzinfo=UTC), datetime(2026, 12, 7, 3, 13, 50, tzinfo=UTC)
    )

    m = series(journey_charts([long_one], ["m"], now=NOW), "m")

    assert m["started"][-3] == 1  # type: ignore[index]
    assert m["p50_ms"][-2] == 100_000  # type: ignore[index]
    assert m["p50_ms"][-3] is None  # type: ignore[index]


def test_the_nearest_rank_percentile_is_a_measured_value() -> None:
    assert percentile([10, 20, 30, 40], 50) == 20
    assert percentile([10, 20, 30, 40], 95) == 40
    assert percentile([5], 95) == 5
    assert percentile([], 50) is None


# ---------------------------------------------------------------------------------------------- the oracle
statuses = st.sampled_from(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "RUNNING"])
executions = st.lists(
    st.tuples(st.sampled_from(["transfer", "topup"]), statuses, st.integers(0, 80 * 60_000), st.integers(0, 300_000)),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(executions)
def test_the_series_agree_with_counting_by_the_clock(rows: list[tuple[str, str, int, int]]) -> None:
    points = [
        ExecutionPoint(
            machine,
            status,
            NOW - timedelta(milliseconds=ago_ms),
            None if status == "RUNNING" else NOW - timedelta(milliseconds=ago_ms) + timedelta(milliseconds=took_ms),
        )
        for machine, status, ago_ms, took_ms in rows
        if status == "RUNNING" or took_ms <= ago_ms  # nothing ends in the future
    ]
    charts = journey_charts(points, ["transfer", "topup", "payment"], now=NOW)
    labels: list[str] = charts["labels"]  # type: ignore[assignment]
    minutes = [label[:16] for label in labels]

    for machine in ("transfer", "topup", "payment"):
        got = series(charts, machine)
        mine = [p for p in points if p.machine == machine]
        assert got["started"] == [sum(1 for p in mine if minute_text(p.started) == m) for m in minutes]
        for index, minute in enumerate(minutes):
            ended = [p for p in mine if p.stopped is not None and minute_text(p.stopped) == minute]
            durations = [round((p.stopped - p.started).total_seconds() * 1000) for p in ended if p.stopped]
            failed = [p for p in ended if p.status != "SUCCEEDED"]
            assert got["failure_rate"][index] == (round(len(failed) / len(ended), 4) if ended else None)  # type: ignore[index]
            assert got["p50_ms"][index] == oracle_percentile(durations, 50)  # type: ignore[index]
            assert got["p95_ms"][index] == oracle_percentile(durations, 95)  # type: ignore[index]
        in_hour = [p for p in mine if p.stopped is not None and minute_text(p.stopped) in minutes]
        totals = got["totals"]
        assert totals["ended"] == len(in_hour)  # type: ignore[index]
        assert totals["p95_ms"] == oracle_percentile(  # type: ignore[index]
            [round((p.stopped - p.started).total_seconds() * 1000) for p in in_hour if p.stopped], 95
        )


# ---------------------------------------------------------------------------------------------- stuck money
def stuck_names() -> set[str]:
    """The Fail states' errors and the Wait states' names of every state machine, read from the files."""
    names: set[str] = set()

    def walk(states: dict[str, dict[str, object]]) -> None:
        for name, state in states.items():
            if state.get("Type") == "Fail":
                names.add(str(state["Error"]))
            if state.get("Type") == "Wait":
                names.add(name)
            for branch in state.get("Branches", []) or []:  # type: ignore[attr-defined]
                walk(branch["States"])
            for key in ("Iterator", "ItemProcessor"):
                if isinstance(state.get(key), dict):
                    walk(state[key]["States"])  # type: ignore[index]

    for path in sorted((ROOT / "statemachines").glob("*.asl.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8"))["States"])
    return names


def test_every_stuck_state_of_the_journeys_is_on_the_stuck_money_list() -> None:
    names = stuck_names()
    assert {name for name in names if name.endswith("Stuck")} <= set(STUCK_MONEY)
    assert set(STUCK_MONEY) <= names  # no name the journeys do not have
