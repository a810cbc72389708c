"""What the operations view knows, read through the public Step Functions API only (list_state_machines,
list_executions, describe_execution, get_execution_history) against any endpoint: moto locally, AWS
itself with the right credentials. Everything leaving this module is masked."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3

from local.ops.charts import STUCK_MONEY, ExecutionPoint, journey_charts
from local.ops.logs import related_log_lines
from local.ops.masking import mask, mask_text
from local.ops.timeline import CLOSED_FAILURES, Timeline, build_timeline, iso, millis

STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")
MAX_PER_MACHINE = 500


class ExecutionNotFound(Exception):
    pass


def stepfunctions_client(aws_endpoint: str, region: str) -> Any:
    return aws_client("stepfunctions", aws_endpoint, region)


def aws_client(service: str, aws_endpoint: str, region: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=aws_endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def references(execution_input: Any) -> dict[str, str]:
    """The customer references an execution input carries (raw: only for matching and linking)."""
    if not isinstance(execution_input, dict):
        return {}
    found: dict[str, str] = {}
    for key in ("customer_ref", "application_id", "correlation_id"):
        if isinstance(execution_input.get(key), str | int):
            found[key] = str(execution_input[key])
    if isinstance(execution_input.get("customer_id"), str) and "customer_ref" not in found:
        found["customer_ref"] = execution_input["customer_id"]
    chat = execution_input.get("chat")
    if isinstance(chat, dict):
        for key in ("channel", "chat_id"):
            if isinstance(chat.get(key), str | int):
                found[key] = str(chat[key])
    chat_key = execution_input.get("chat_key")
    if isinstance(chat_key, str) and ":" in chat_key and "chat_id" not in found:
        # The journeys' own form: "<channel>:<chat id>".
        found["channel"], found["chat_id"] = chat_key.split(":", 1)
    return found


def matches(name: str, refs: dict[str, str], query: str) -> bool:
    """The text filter: a case-insensitive part of the execution name, or of a customer_ref, chat id or
    application id in its input."""
    needle = query.strip().lower()
    if not needle:
        return True
    candidates = [name, *(refs.get(key, "") for key in ("customer_ref", "chat_id", "application_id"))]
    return any(needle in candidate.lower() for candidate in candidates if candidate)


def chat_link(refs: dict[str, str], platforms_url: str | None) -> str | None:
    if not platforms_url or "channel" not in refs or "chat_id" not in refs:
        return None
    query = urlencode({"channel": refs["channel"], "user": refs["chat_id"]})
    return f"{platforms_url.rstrip('/')}/chat?{query}"


def _parse(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


@dataclass
class ExecutionsReader:
    sfn: Any
    platforms_url: str | None = None
    logs_dir: Path | None = None

    def __post_init__(self) -> None:
        self._described: dict[str, dict[str, Any]] = {}  # closed executions never change
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ raw reads
    def machines(self) -> list[dict[str, Any]]:
        machines: list[dict[str, Any]] = []
        for page in self.sfn.get_paginator("list_state_machines").paginate():
            machines.extend(page["stateMachines"])
        return sorted(machines, key=lambda m: m["name"])

    def _list(self, machine_arn: str, status: str | None) -> list[dict[str, Any]]:
        arguments: dict[str, Any] = {"stateMachineArn": machine_arn}
        if status:
            arguments["statusFilter"] = status
        executions: list[dict[str, Any]] = []
        for page in self.sfn.get_paginator("list_executions").paginate(**arguments):
            # A Distributed Map's children (one per customer of a monthly run: millions) are the run's, seen
            # through its Map Run and results; AWS lists them only when asked by mapRunArn, and should a
            # listing carry one it is left out here, so the lists and charts show the runs, not their items.
            executions.extend(e for e in page["executions"] if not e.get("mapRunArn"))
            if len(executions) >= MAX_PER_MACHINE:
                break
        return executions

    def _describe(self, arn: str, listed_status: str | None = None, *, fresh: bool = False) -> dict[str, Any]:
        """One execution, described. A closed one is kept; it is described again when its listing shows
        another status (an operator redrove it) or `fresh` is asked."""
        with self._lock:
            cached = self._described.get(arn)
        if cached is not None and not fresh and listed_status in (None, cached["status"]):
            return cached
        try:
            described: dict[str, Any] = self.sfn.describe_execution(executionArn=arn)
        except self.sfn.exceptions.ExecutionDoesNotExist as exc:
            raise ExecutionNotFound(arn) from exc
        with self._lock:
            if described["status"] != "RUNNING":
                self._described[arn] = described
            else:
                self._described.pop(arn, None)
        return described

    def history(self, arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for page in self.sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
            events.extend(page["events"])
        return events

    def timeline(self, arn: str) -> Timeline:
        described = self._describe(arn)
        return build_timeline(self.history(arn), started=described["startDate"], stopped=described.get("stopDate"))

    # ------------------------------------------------------------------ views
    def _summary(self, described: dict[str, Any], machine_name: str) -> dict[str, Any]:
        started: datetime = described["startDate"]
        stopped: datetime | None = described.get("stopDate")
        refs = references(_parse(described.get("input")))
        return {
            "arn": described["executionArn"],
            "name": described["name"],
            "state_machine": machine_name,
            "status": described["status"],
            "started_at": iso(started),
            "stopped_at": iso(stopped),
            "duration_ms": millis(started, stopped or datetime.now(UTC)),
            "references": mask(refs),
            "error": described.get("error"),
            "cause": mask_text(described["cause"]) if described.get("cause") else None,
            "redrive_count": int(described.get("redriveCount", 0)),
            "redrivable": described.get("redriveStatus") == "REDRIVABLE",
        }

    def executions(self, *, status: str | None = None, query: str = "") -> dict[str, Any]:
        """Every state machine's executions, newest first, filtered."""
        status = status.upper() if status else None
        rows: list[dict[str, Any]] = []
        counts: dict[str, int] = {}
        for machine in self.machines():
            listed = self._list(machine["stateMachineArn"], status)
            counts[machine["name"]] = 0
            for execution in listed:
                described = self._describe(execution["executionArn"], execution["status"])
                refs = references(_parse(described.get("input")))
                if not matches(described["name"], refs, query):
                    continue
                counts[machine["name"]] += 1
                rows.append(self._summary(described, machine["name"]))
        rows.sort(key=lambda row: row["started_at"] or "", reverse=True)
        return {
            "filter": {"status": status or "", "q": query},
            "state_machines": [{"name": name, "shown": shown} for name, shown in counts.items()],
            "executions": rows,
        }

    def execution(self, arn: str) -> dict[str, Any]:
        """One execution: its summary, masked input and output, timeline, chat link and log lines."""
        described = self._describe(arn, fresh=True)
        machine_name = described["stateMachineArn"].rsplit(":", 1)[-1]
        summary = self._summary(described, machine_name)
        timeline = self.timeline(arn)
        raw_input = _parse(described.get("input"))
        refs = references(raw_input)
        needles = {described["name"], arn, *(refs[k] for k in ("application_id", "correlation_id") if k in refs)}
        return {
            **summary,
            "input": mask(raw_input) if raw_input is not None else mask_text(described.get("input", "")),
            "output": mask(_parse(described.get("output"))),
            "failed": described["status"] in CLOSED_FAILURES,
            "failed_state": timeline.failed_state,
            "error": timeline.error or summary["error"],
            "cause": timeline.cause or summary["cause"],
            "timeline": timeline.as_json()["states"],
            "chat": mask({"channel": refs.get("channel"), "chat_id": refs.get("chat_id")})
            if "chat_id" in refs
            else None,
            "chat_link": chat_link(refs, self.platforms_url),
            "logs": related_log_lines(self.logs_dir, needles) if self.logs_dir else None,
        }

    # ------------------------------------------------------------------ the overview
    def chart_points(self) -> list[ExecutionPoint]:
        """Every listed execution's start and stop, for the charts (a listing is enough on AWS, which gives
        stopDate there; a closed one listed without it is described)."""
        points: list[ExecutionPoint] = []
        for machine in self.machines():
            for execution in self._list(machine["stateMachineArn"], None):
                stopped = execution.get("stopDate")
                if stopped is None and execution["status"] != "RUNNING":
                    stopped = self._describe(execution["executionArn"], execution["status"]).get("stopDate")
                points.append(ExecutionPoint(machine["name"], execution["status"], execution["startDate"], stopped))
        return points

    def charts(self, now: datetime | None = None) -> dict[str, Any]:
        return journey_charts(self.chart_points(), [m["name"] for m in self.machines()], now=now or datetime.now(UTC))

    def stuck_money(self) -> list[dict[str, Any]]:
        """Executions where a customer's money waits (charts.STUCK_MONEY): running ones whose latest state is
        a stuck state (they try again by themselves) and failed ones ended by a stuck error, longest first."""
        rows: list[dict[str, Any]] = []
        for machine in self.machines():
            for execution in self._list(machine["stateMachineArn"], "RUNNING"):
                waiting = latest_state(self.history(execution["executionArn"]))
                if waiting in STUCK_MONEY:
                    row = self._summary(self._describe(execution["executionArn"], "RUNNING"), machine["name"])
                    row["what"] = STUCK_MONEY[waiting]
                    row["error"] = waiting
                    rows.append(row)
            for execution in self._list(machine["stateMachineArn"], "FAILED"):
                described = self._describe(execution["executionArn"], execution["status"])
                if described.get("error") in STUCK_MONEY:
                    row = self._summary(described, machine["name"])
                    row["what"] = STUCK_MONEY[described["error"]]
                    rows.append(row)
        rows.sort(key=lambda row: row["started_at"] or "")
        return rows


def latest_state(events: list[dict[str, Any]]) -> str | None:
    """The name of the state an execution's history last entered (None before the first)."""
    for event in reversed(events):
        details = event.get("stateEnteredEventDetails")
        if details:
            return str(details["name"])
    return None


def dead_letter_queues(sqs: Any) -> list[dict[str, Any]]:
    """Every queue another queue sends its dead letters to: its messages waiting, the queues it serves,
    and its latest message move task."""
    attributes: dict[str, dict[str, str]] = {}
    for page in sqs.get_paginator("list_queues").paginate():
        for url in page.get("QueueUrls", []):
            attributes[url] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    by_arn = {attrs["QueueArn"]: (url, attrs) for url, attrs in attributes.items()}
    served: dict[str, list[str]] = {}
    for attrs in attributes.values():
        policy = _parse(attrs.get("RedrivePolicy"))
        if isinstance(policy, dict) and policy.get("deadLetterTargetArn") in by_arn:
            served.setdefault(policy["deadLetterTargetArn"], []).append(attrs["QueueArn"].rsplit(":", 1)[-1])
    queues: list[dict[str, Any]] = []
    for arn, sources in sorted(served.items()):
        _url, attrs = by_arn[arn]
        try:
            tasks = sqs.list_message_move_tasks(SourceArn=arn, MaxResults=1).get("Results", [])
        except Exception:  # an endpoint without message move tasks (a plain moto): the queue still shows
            tasks = []
        task = tasks[0] if tasks else None
        queues.append(
            {
                "name": arn.rsplit(":", 1)[-1],
                "arn": arn,
                "messages": int(attrs.get("ApproximateNumberOfMessages", 0)),
                "in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
                "serves": sorted(sources),
                "last_move": {
                    "status": task["Status"],
                    "moved": task.get("ApproximateNumberOfMessagesMoved", 0),
                    "to_move": task.get("ApproximateNumberOfMessagesToMove", 0),
                    "failure": task.get("FailureReason"),
                }
                if task
                else None,
            }
        )
    return queues
