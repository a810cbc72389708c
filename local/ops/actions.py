"""What an operator does from the operations view, through the public AWS API only (on AWS as locally):

- retry a failed, timed-out or aborted execution: Step Functions `RedriveExecution` (it continues from the
  state it stopped in, with that state's input, under the same ARN; the journeys' idempotency keys make a
  second attempt at a bank call harmless);
- stop a running execution: `StopExecution`, with the operator named in its cause;
- redrive a dead-letter queue: SQS `StartMessageMoveTask` (its messages go back to the queue they came from).

Each action, done or refused, is an audit record (who, what, on what, the outcome) kept for the page and
written as a structured log line.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import UTC, datetime
from typing import Any

from messenger_bank.observability import logger

AUDIT_KEPT = 200


class ActionFailed(Exception):
    """The action cannot be done (the HTTP status and AWS's reason)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class AuditTrail:
    """The newest operator actions first, for the page; each also a log line."""

    def __init__(self, kept: int = AUDIT_KEPT) -> None:
        self._records: deque[dict[str, str]] = deque(maxlen=kept)
        self._lock = threading.Lock()

    def record(self, *, operator: str, action: str, target: str, outcome: str, detail: str = "") -> dict[str, str]:
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "operator": operator,
            "action": action,
            "target": target,
            "outcome": outcome,
            "detail": detail,
        }
        with self._lock:
            self._records.appendleft(entry)
        logger.info("operator action", extra={"component": "operations-view", "audit": entry})
        return entry

    def records(self) -> list[dict[str, str]]:
        with self._lock:
            return list(self._records)


def _aws_error(exc: Exception) -> tuple[str, str]:
    response = getattr(exc, "response", None) or {}
    error = response.get("Error", {}) if isinstance(response, dict) else {}
    return str(error.get("Code", type(exc).__name__)), str(error.get("Message", ""))


_NOT_FOUND = {"ExecutionDoesNotExist", "ResourceNotFoundException", "AWS.SimpleQueueService.NonExistentQueue"}


class OperatorActions:
    def __init__(self, sfn: Any, sqs: Any, audit: AuditTrail) -> None:
        self.sfn = sfn
        self.sqs = sqs
        self.audit = audit

    def _do(self, operator: str, action: str, target: str, call: Any) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = call()
        except ActionFailed as failed:
            self.audit.record(operator=operator, action=action, target=target, outcome="failed", detail=failed.reason)
            raise
        except Exception as exc:
            code, message = _aws_error(exc)
            self.audit.record(operator=operator, action=action, target=target, outcome="failed", detail=code)
            raise ActionFailed(404 if code in _NOT_FOUND else 409, f"{code}: {message}".rstrip(": ")) from None
        record = self.audit.record(operator=operator, action=action, target=target, outcome="done")
        return {**answer, "audit": record}

    def retry(self, operator: str, execution_arn: str) -> dict[str, Any]:
        def redrive() -> dict[str, Any]:
            answer = self.sfn.redrive_execution(executionArn=execution_arn)
            return {"execution_arn": execution_arn, "redrive_date": answer["redriveDate"].isoformat()}

        return self._do(operator, "retry", execution_arn, redrive)

    def stop(self, operator: str, execution_arn: str) -> dict[str, Any]:
        def stop() -> dict[str, Any]:
            status = self.sfn.describe_execution(executionArn=execution_arn)["status"]
            if status != "RUNNING":
                raise ActionFailed(409, f"the execution is {status}, not running")
            answer = self.sfn.stop_execution(
                executionArn=execution_arn, error="StoppedByOperator", cause=f"stopped by {operator}"
            )
            return {"execution_arn": execution_arn, "stop_date": answer["stopDate"].isoformat()}

        return self._do(operator, "stop", execution_arn, stop)

    def redrive_dead_letters(self, operator: str, queue_arn: str) -> dict[str, Any]:
        def move() -> dict[str, Any]:
            answer = self.sqs.start_message_move_task(SourceArn=queue_arn)
            return {"queue_arn": queue_arn, "task_handle": answer["TaskHandle"]}

        return self._do(operator, "redrive dead letters", queue_arn, move)
