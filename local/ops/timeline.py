"""An execution's history, as the Step Functions API returns it, turned into what an operator reads:
one entry per state visit (entered → exited) with its duration, input, output, attempts and errors,
and the state the execution failed in. Pure functions over the events; masking happens here, so that
nothing built from a history can carry a raw sensitive value out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.ops.masking import mask_json_text, mask_text

CLOSED_FAILURES = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})

# History events that start one attempt of a task (a retry is one more of them in the same state visit).
_ATTEMPT_EVENTS = frozenset({"TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"})
# Execution-level events that end it badly, and their details key.
_EXECUTION_ENDS = {
    "ExecutionFailed": "executionFailedEventDetails",
    "ExecutionAborted": "executionAbortedEventDetails",
    "ExecutionTimedOut": "executionTimedOutEventDetails",
}


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds") if moment else None


def millis(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds() * 1000))


@dataclass
class StateError:
    error: str
    cause: str
    at: str | None
    attempt: int


@dataclass
class StateVisit:
    name: str
    type: str
    entered_at: str | None
    exited_at: str | None
    offset_ms: int
    duration_ms: int
    status: str  # succeeded | failed | caught | running
    attempts: int = 0
    input: Any = None
    output: Any = None
    errors: list[StateError] = field(default_factory=list)


@dataclass
class Timeline:
    states: list[StateVisit]
    failed_state: str | None
    error: str | None
    cause: str | None
    duration_ms: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def build_timeline(
    history: list[dict[str, Any]], *, started: datetime, stopped: datetime | None, now: datetime | None = None
) -> Timeline:
    """State visits in the order they were entered. A visit still open when the execution failed is the
    failing state; one still open on a running execution is running."""
    end = stopped or now or datetime.now(UTC)
    visits: list[StateVisit] = []
    open_visits: list[tuple[StateVisit, datetime]] = []  # innermost last (Parallel / Map nest)
    error: str | None = None
    cause: str | None = None
    failed_state: str | None = None

    for event in sorted(history, key=lambda e: int(e.get("id", 0))):
        kind = str(event.get("type", ""))
        at: datetime = event["timestamp"]
        details = _details(event)
        if kind.endswith("StateEntered"):
            visit = StateVisit(
                name=str(details.get("name", "?")),
                type=kind.removesuffix("StateEntered") or "State",
                entered_at=iso(at),
                exited_at=None,
                offset_ms=millis(started, at),
                duration_ms=0,
                status="running",
                input=mask_json_text(details.get("input")),
            )
            visits.append(visit)
            open_visits.append((visit, at))
        elif kind.endswith("StateExited"):
            name = details.get("name")
            for index in range(len(open_visits) - 1, -1, -1):
                visit, entered = open_visits[index]
                if visit.name == name:
                    visit.exited_at = iso(at)
                    visit.duration_ms = millis(entered, at)
                    visit.output = mask_json_text(details.get("output"))
                    visit.status = "caught" if visit.errors else "succeeded"
                    del open_visits[index]
                    break
        elif kind == "ExecutionRedriven":  # an operator's redrive: the failure above is history, not the end
            error = cause = failed_state = None
        elif kind in _ATTEMPT_EVENTS and open_visits:
            open_visits[-1][0].attempts += 1
        elif ("error" in details or kind.endswith(("Failed", "TimedOut"))) and kind not in _EXECUTION_ENDS:
            if open_visits:
                visit = open_visits[-1][0]
                visit.errors.append(
                    StateError(
                        error=str(details.get("error", kind)),
                        cause=mask_text(str(details.get("cause", ""))),
                        at=iso(at),
                        attempt=max(visit.attempts, 1),
                    )
                )
        elif kind in _EXECUTION_ENDS:
            error = str(details.get("error", kind.removeprefix("Execution")))
            cause = mask_text(str(details.get("cause", "")))
            for visit, entered in open_visits:
                visit.exited_at = iso(at)
                visit.duration_ms = millis(entered, at)
                visit.status = "failed"
            if open_visits:
                failing = open_visits[-1][0]
                failed_state = failing.name
                if not failing.errors:  # a Fail state, or a timeout: the execution's error is its error
                    failing.errors.append(StateError(error=error, cause=cause, at=iso(at), attempt=failing.attempts))
            elif visits:
                failed_state = next((v.name for v in reversed(visits) if v.errors), visits[-1].name)
            open_visits = []

    for visit, entered in open_visits:  # still running
        visit.duration_ms = millis(entered, end)
    return Timeline(
        states=visits, failed_state=failed_state, error=error, cause=cause, duration_ms=millis(started, end)
    )
