"""local/ops/timeline.py over a hand-written history: one that moto cannot produce (a Catch after a
retried task, a still-running state), written as the Step Functions API documents the events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from local.ops.timeline import build_timeline

T0 = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)


def event(number: int, ms: int, kind: str, **details: Any) -> dict[str, Any]:
    if kind.endswith(("StateEntered", "StateExited")):
        key = "stateEnteredEventDetails" if kind.endswith("Entered") else "stateExitedEventDetails"
    else:
        key = kind[0].lower() + kind[1:] + "EventDetails"
    return {"id": number, "timestamp": T0 + timedelta(milliseconds=ms), "type": kind, key: details}


HISTORY = [
    event(1, 0, "ExecutionStarted", input='{"application_id": "app-1"}'),
    event(2, 10, "TaskStateEntered", name="IssueVirtualCard", input='{"pan": "4111111111111111"}'),
    event(3, 20, "TaskScheduled"),
    event(4, 500, "TaskFailed", error="BankSystemUnavailable", cause="timeout on 4111111111111111"),
    event(5, 1500, "TaskScheduled"),
    event(6, 1900, "TaskFailed", error="BankSystemUnavailable", cause="timeout again"),
    event(
        7, 1910, "TaskStateExited", name="IssueVirtualCard", output='{"failure": {"Error": "BankSystemUnavailable"}}'
    ),
    event(8, 1920, "TaskStateEntered", name="TellCustomerTryLater", input="{}"),
    event(9, 1930, "TaskScheduled"),
]


def test_states_come_in_order_with_their_durations_attempts_and_caught_errors() -> None:
    timeline = build_timeline(HISTORY, started=T0, stopped=None, now=T0 + timedelta(milliseconds=2500))

    first, second = timeline.states
    assert (first.name, first.offset_ms, first.duration_ms, first.attempts, first.status) == (
        "IssueVirtualCard",
        10,
        1900,
        2,
        "caught",
    )
    assert [(e.error, e.attempt) for e in first.errors] == [("BankSystemUnavailable", 1), ("BankSystemUnavailable", 2)]
    assert first.errors[0].cause == "timeout on 411111******1111"
    assert first.input == {"pan": "***"}
    assert (second.name, second.status, second.duration_ms) == ("TellCustomerTryLater", "running", 580)
    assert timeline.failed_state is None
    assert timeline.duration_ms == 2500


def test_the_state_open_when_the_execution_fails_is_the_failing_state() -> None:
    history = [
        *HISTORY[:3],
        event(4, 300, "TaskFailed", error="CardNotFound", cause="no such card"),
        event(5, 310, "ExecutionFailed", error="CardNotFound", cause="no such card"),
    ]

    timeline = build_timeline(history, started=T0, stopped=T0 + timedelta(milliseconds=310))

    assert timeline.failed_state == "IssueVirtualCard"
    assert (timeline.error, timeline.cause) == ("CardNotFound", "no such card")
    assert timeline.states[0].status == "failed"
    assert timeline.states[0].duration_ms == 300


def test_a_redriven_execution_keeps_its_failed_attempt_and_is_judged_by_the_last() -> None:
    history = [
        *HISTORY[:3],
        event(4, 300, "TaskFailed", error="CardNotFound", cause="no such card"),
        event(5, 310, "ExecutionFailed", error="CardNotFound", cause="no such card"),
        event(6, 5000, "ExecutionRedriven", redriveCount=1),
        event(7, 5010, "TaskStateEntered", name="IssueVirtualCard", input="{}"),
        event(8, 5020, "TaskScheduled"),
        event(9, 5400, "TaskStateExited", name="IssueVirtualCard", output="{}"),
    ]

    timeline = build_timeline(history, started=T0, stopped=T0 + timedelta(milliseconds=5400))

    assert [(s.name, s.status) for s in timeline.states] == [
        ("IssueVirtualCard", "failed"),
        ("IssueVirtualCard", "succeeded"),
    ]
    assert (timeline.failed_state, timeline.error, timeline.cause) == (None, None, None)
