"""The operations view's stuck-money list over a hand-written Step Functions (the API's documented shapes): a
money journey's execution waits in a stuck Wait state and tries again by itself, so it is listed while it is
RUNNING there; a failed payout run is listed by its error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from local.ops.reader import ExecutionsReader, latest_state

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
MACHINE = "arn:aws:states:eu-central-1:123456789012:stateMachine:transfer"


def entered(name: str, kind: str = "TaskStateEntered") -> dict[str, Any]:
    return {"type": kind, "timestamp": T0, "stateEnteredEventDetails": {"name": name, "input": "{}"}}


def exited(name: str) -> dict[str, Any]:
    return {"type": "TaskStateExited", "timestamp": T0, "stateExitedEventDetails": {"name": name, "output": "{}"}}


class FakeStepFunctions:
    """The three paginated reads and the describe the reader makes, over executions kept with their history."""

    exceptions = type("Exceptions", (), {"ExecutionDoesNotExist": LookupError})

    def __init__(self, executions: list[dict[str, Any]]) -> None:
        self.executions = executions

    def get_paginator(self, operation: str) -> Any:
        pages = {
            "list_state_machines": lambda **_: [{"stateMachines": [{"name": "transfer", "stateMachineArn": MACHINE}]}],
            "list_executions": lambda statusFilter=None, **_: [
                {
                    "executions": [
                        {
                            key: e[key]
                            for key in ("executionArn", "name", "status", "startDate", "mapRunArn")
                            if key in e
                        }
                        for e in self.executions
                        if statusFilter in (None, e["status"])
                    ]
                }
            ],
            "get_execution_history": lambda executionArn, **_: [{"events": self.execution(executionArn)["history"]}],
        }[operation]
        return type("Paginator", (), {"paginate": staticmethod(pages)})()

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        return {key: value for key, value in self.execution(executionArn).items() if key != "history"}

    def execution(self, arn: str) -> dict[str, Any]:
        (found,) = [e for e in self.executions if e["executionArn"] == arn]
        return found


def reader_over(executions: list[dict[str, Any]]) -> ExecutionsReader:
    return ExecutionsReader(FakeStepFunctions(executions))


def execution(name: str, status: str, history: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {
        "executionArn": f"{MACHINE.replace('stateMachine', 'execution')}:{name}",
        "name": name,
        "status": status,
        "startDate": T0 + timedelta(minutes=len(name)),
        "input": "{}",
        "history": history,
        **more,
    }


def test_a_running_execution_waiting_in_a_stuck_state_is_listed_with_what_is_stuck() -> None:
    waiting = execution(
        "t-1", "RUNNING", [entered("Refund"), exited("Refund"), entered("RefundStuck", "WaitStateEntered")]
    )
    rows = reader_over([waiting]).stuck_money()
    assert [(row["name"], row["error"], row["what"]) for row in rows] == [
        ("t-1", "RefundStuck", "a failed transfer's refund did not complete")
    ]


def test_a_running_execution_that_left_the_stuck_state_to_try_again_is_not_listed() -> None:
    trying = execution("t-2", "RUNNING", [entered("RefundStuck", "WaitStateEntered"), entered("Refund")])
    assert reader_over([trying]).stuck_money() == []


def test_a_running_execution_elsewhere_and_a_failure_of_another_kind_are_not_listed() -> None:
    confirming = execution("t-3", "RUNNING", [entered("AwaitConfirmation")])
    refused = execution("t-4", "FAILED", [entered("Debit")], error="TransferRefused")
    assert reader_over([confirming, refused]).stuck_money() == []


def test_a_failed_run_ended_by_a_stuck_error_is_listed() -> None:
    payout = execution("payout-2026-11", "FAILED", [entered("SomeNotPaid")], error="CashbackNotPaid")
    assert [row["error"] for row in reader_over([payout]).stuck_money()] == ["CashbackNotPaid"]


def test_the_latest_state_is_the_last_one_entered() -> None:
    assert latest_state([entered("A"), exited("A"), entered("B"), {"type": "TaskScheduled"}]) == "B"
    assert latest_state([{"type": "ExecutionStarted"}]) is None


def test_a_distributed_maps_children_are_neither_stuck_money_nor_chart_points() -> None:
    run = execution("payout-2026-12", "FAILED", [entered("SomeNotPaid")], error="CashbackNotPaid")
    map_run = "arn:aws:states:eu-central-1:123456789012:mapRun:transfer/CashbackPayout:1"
    children = [
        execution(f"child-{n}", status, [entered("PayMonth")], error="CashbackNotPaid", mapRunArn=map_run)
        for n, status in enumerate(("FAILED", "RUNNING", "SUCCEEDED"))
    ]
    reader = reader_over([run, *children])

    assert [row["name"] for row in reader.stuck_money()] == ["payout-2026-12"]
    assert [point.status for point in reader.chart_points()] == ["FAILED"]
    assert [row["name"] for row in reader.executions()["executions"]] == ["payout-2026-12"]
