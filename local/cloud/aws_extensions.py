"""AWS operations the operators' actions use that moto (5.2) does not have, added to the local cloud's moto
as AWS defines them, so that the operations view calls the same API locally as on AWS:

- Step Functions `RedriveExecution` (executionArn, clientToken → redriveDate): a FAILED, ABORTED or
  TIMED_OUT execution continues from the state it stopped in, with the input that state was given, under
  the same ARN; the steps that succeeded are not run again and stay in its history with the end it had,
  followed by an `ExecutionRedriven` event; `DescribeExecution` then says `redriveCount`, `redriveDate` and
  `redriveStatus`. A RUNNING or SUCCEEDED one answers `ExecutionNotRedrivable`, an unknown one
  `ExecutionDoesNotExist`. Unlike AWS, a failure inside a Parallel or Map state runs that whole state again
  (AWS runs only its failed branches or iterations); none of the bank's journeys has one.
- SQS `StartMessageMoveTask` (SourceArn, DestinationArn?, MaxNumberOfMessagesPerSecond? → TaskHandle),
  `ListMessageMoveTasks` (SourceArn, MaxResults?) and `CancelMessageMoveTask` (TaskHandle): the messages of
  a dead-letter queue go back to the queue it is the dead-letter queue of (or to DestinationArn), in the
  background, one task per queue at a time. A FIFO message keeps its group; its deduplication id is its
  message id, so that a message moved twice arrives once and a move never collides with the original send.

And one hook the local cloud's SQS event sources use: `on_message_sent(queue_arn, callback)` calls back whenever
a message is added to that queue (sent, or moved back from its dead-letter queue), so an event source receives at
once instead of long-polling moto.

`install()` patches moto's response classes once per process; `LocalCloud` calls it before moto starts.
(Hand-written: no moto release has these operations.)
"""

from __future__ import annotations

import copy
import datetime
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_installed = False
_install_lock = threading.Lock()
REDRIVE_LIMIT = 1000  # AWS: an execution may be redriven at most 1000 times
_EXECUTION_ENDS = frozenset({"ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"})
_REDRIVABLE = frozenset({"FAILED", "ABORTED", "TIMED_OUT"})


def install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        _install_redrive_execution()
        _install_message_move_tasks()
        _install_message_sent_hook()
        _installed = True


# ---------------------------------------------------------------------------------------------- SQS: a message sent
_sent_listeners: dict[str, list[Callable[[], None]]] = {}  # queue ARN -> callbacks
_sent_listeners_lock = threading.Lock()


def on_message_sent(queue_arn: str, callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` (on moto's request thread; it must be quick) whenever a message is added to the queue;
    returns what stops it."""
    with _sent_listeners_lock:
        _sent_listeners.setdefault(queue_arn, []).append(callback)

    def stop() -> None:
        with _sent_listeners_lock:
            listeners = _sent_listeners.get(queue_arn, [])
            if callback in listeners:
                listeners.remove(callback)

    return stop


def _install_message_sent_hook() -> None:
    from moto.sqs.models import Queue

    add_message = Queue.add_message

    def add_and_tell(self: Any, message: Any) -> None:
        add_message(self, message)
        with _sent_listeners_lock:
            listeners = list(_sent_listeners.get(self.queue_arn, ()))
        for callback in listeners:
            callback()

    Queue.add_message = add_and_tell  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------- Step Functions
def restart_point(events: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The top-level state the last attempt of an execution stopped in and the input it was given (JSON
    text), from its history: the outermost state entered and not exited when it ended. (None, None) when it
    stopped between states."""
    open_states: list[tuple[str, str | None]] = []
    stopped_in: tuple[str | None, str | None] = (None, None)
    for event in sorted(events, key=lambda e: int(e.get("id", 0))):
        kind = str(getattr(event.get("type"), "value", event.get("type")))  # moto's own events hold an enum
        if kind.endswith("StateEntered"):
            details = event.get("stateEnteredEventDetails") or {}
            open_states.append((str(details.get("name")), details.get("input")))
        elif kind.endswith("StateExited"):
            name = (event.get("stateExitedEventDetails") or {}).get("name")
            for index in range(len(open_states) - 1, -1, -1):
                if open_states[index][0] == name:
                    del open_states[index]
                    break
        elif kind in _EXECUTION_ENDS:
            stopped_in = open_states[0] if open_states else (None, None)
        elif kind == "ExecutionRedriven":  # the redriven attempt enters again what it runs
            open_states = []
    return stopped_in


def merged_history(
    kept: list[dict[str, Any]], attempt: list[dict[str, Any]], redrive_count: int
) -> list[dict[str, Any]]:
    """The earlier attempts' events (their end included, as AWS keeps it) followed by this attempt's, numbered
    on; this attempt's ExecutionStarted becomes the ExecutionRedriven event."""
    offset = len(kept)
    merged = [copy.deepcopy(event) for event in kept]
    for event in attempt:
        event = copy.deepcopy(event)
        event["id"] = int(event["id"]) + offset
        event["previousEventId"] = int(event.get("previousEventId", 0)) + offset
        if event.get("type") == "ExecutionStarted":
            event.pop("executionStartedEventDetails", None)
            event["type"] = "ExecutionRedriven"
            event["executionRedrivenEventDetails"] = {"redriveCount": redrive_count}
        merged.append(event)
    return merged


def _install_redrive_execution() -> None:
    from moto.core.exceptions import AWSError
    from moto.core.responses import ActionResult
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.backend.execution import Execution
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    from moto.stepfunctions.responses import StepFunctionResponse

    class ExecutionNotRedrivable(AWSError):
        TYPE = "ExecutionNotRedrivable"
        STATUS = 400

    class RedrivenWorker(ExecutionWorker):
        """Runs the execution's definition from `start_at`, the first state given `state_input`."""

        def __init__(self, *args: Any, start_at: str | None, state_input: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._start_at = start_at
            self._state_input = state_input

        def _get_evaluation_entrypoint(self) -> Any:
            definition = json.loads(self._evaluation_details.state_machine_details.definition)
            if self._start_at:
                definition["StartAt"] = self._start_at
            return AmazonStateLanguageParser.parse(json.dumps(definition))[0]

        def _get_evaluation_environment(self) -> Any:
            env = super()._get_evaluation_environment()
            env.states.reset(self._state_input)
            return env

    original_history = Execution.to_history_output

    def to_history_output(self: Any) -> Any:
        output: Any = original_history(self)
        kept = getattr(self, "redrive_kept_events", None)
        if kept is not None:
            output["events"] = merged_history(kept, output["events"], self.redrive_count)
        return output

    Execution.to_history_output = to_history_output  # type: ignore[method-assign]

    def redrive(execution: Any) -> datetime.datetime:
        status = execution.status
        if status not in _REDRIVABLE:
            raise ExecutionNotRedrivable(f"Execution is {status} and cannot be redriven.")
        if getattr(execution, "redrive_count", 0) >= REDRIVE_LIMIT:
            raise ExecutionNotRedrivable("Execution has reached the maximum number of redrives.")
        history = execution.to_history_output()["events"]
        start_at, state_input = restart_point(history)
        first_input = json.loads(state_input) if state_input is not None else execution.input_data
        execution.redrive_kept_events = history
        execution.redrive_count = getattr(execution, "redrive_count", 0) + 1
        execution.redrive_date = datetime.datetime.now(tz=datetime.UTC)
        execution.error = None
        execution.cause = None
        execution.stop_date = None
        execution.output = None
        worker = execution._get_start_execution_worker()
        execution.exec_worker = RedrivenWorker(
            evaluation_details=worker._evaluation_details,
            exec_comm=worker._execution_communication,
            cloud_watch_logging_session=worker._cloud_watch_logging_session,
            activity_store=worker._activity_store,
            start_at=start_at,
            state_input=first_input,
        )
        from moto.stepfunctions.parser.api import ExecutionStatus

        execution.exec_status = ExecutionStatus.RUNNING
        execution.exec_worker.start()
        return execution.redrive_date  # type: ignore[no-any-return]

    def redrive_execution(self: Any) -> Any:
        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        return ActionResult({"redriveDate": redrive(execution)})

    original_describe = StepFunctionResponse.describe_execution

    def describe_execution(self: Any) -> Any:
        result: Any = original_describe(self)
        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        count = getattr(execution, "redrive_count", 0)
        extra: dict[str, Any] = {"redriveCount": count}
        if count:
            extra["redriveDate"] = execution.redrive_date
        redrivable = execution.status in _REDRIVABLE and count < REDRIVE_LIMIT
        extra["redriveStatus"] = "REDRIVABLE" if redrivable else "NOT_REDRIVABLE"
        if not redrivable:
            extra["redriveStatusReason"] = f"Execution is {execution.status} and cannot be redriven."
        result.result.update(extra)
        return result

    StepFunctionResponse.redrive_execution = redrive_execution  # type: ignore[attr-defined]
    StepFunctionResponse.describe_execution = describe_execution  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------- SQS
@dataclass
class MessageMoveTask:
    handle: str
    source_arn: str
    destination_arn: str | None
    per_second: int | None
    to_move: int
    started_ms: int
    moved: int = 0
    status: str = "RUNNING"  # RUNNING | COMPLETED | CANCELLING | CANCELLED | FAILED
    failure: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def as_result(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "Status": self.status,
            "SourceArn": self.source_arn,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.to_move,
            "StartedTimestamp": self.started_ms,
        }
        if self.status == "RUNNING":
            result["TaskHandle"] = self.handle
        if self.destination_arn:
            result["DestinationArn"] = self.destination_arn
        if self.per_second:
            result["MaxNumberOfMessagesPerSecond"] = self.per_second
        if self.failure:
            result["FailureReason"] = self.failure
        return result


_TASKS: dict[str, list[MessageMoveTask]] = {}  # source queue ARN -> its tasks, newest first
_TASKS_LOCK = threading.Lock()


def _install_message_move_tasks() -> None:
    from moto.core.responses import ActionResult
    from moto.sqs.exceptions import InvalidParameterValue, SQSException
    from moto.sqs.responses import SQSResponse

    class ResourceNotFound(SQSException):
        def __init__(self, message: str) -> None:
            super().__init__("ResourceNotFoundException", message)

    def queue_by_arn(backend: Any, arn: str) -> Any:
        for queue in backend.queues.values():
            if queue.queue_arn == arn:
                return queue
        raise ResourceNotFound(f"The resource that you specified for the SourceArn parameter doesn't exist: {arn}")

    def move(backend: Any, task: MessageMoveTask, source: Any, destination: Any) -> None:
        try:
            while task.moved < task.to_move and not task.cancel.is_set():
                messages = backend.receive_message(source.name, 1, 0, 30)
                if not messages:
                    break
                message = messages[0]
                backend.send_message(
                    destination.name,
                    message.body,
                    message_attributes=message.message_attributes or None,
                    deduplication_id=message.id if destination.fifo_queue else None,
                    group_id=message.group_id if destination.fifo_queue else None,
                )
                backend.delete_message(source.name, message.receipt_handle)
                task.moved += 1
                if task.per_second:
                    time.sleep(1 / task.per_second)
            task.status = "CANCELLED" if task.cancel.is_set() else "COMPLETED"
        except Exception as exc:  # the task fails as AWS reports it, with a reason
            task.status = "FAILED"
            task.failure = f"{type(exc).__name__}: {exc}"

    def start_message_move_task(self: Any) -> Any:
        backend = self.sqs_backend
        source = queue_by_arn(backend, self._get_param("SourceArn"))
        destination_arn = self._get_param("DestinationArn")
        per_second = self._get_param("MaxNumberOfMessagesPerSecond")
        if per_second is not None and not 1 <= int(per_second) <= 500:
            raise InvalidParameterValue("MaxNumberOfMessagesPerSecond must be between 1 and 500.")
        sources = backend.list_dead_letter_source_queues(source.name)
        if not sources:
            raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
        if destination_arn:
            destination = queue_by_arn(backend, destination_arn)
        elif len(sources) == 1:
            destination = sources[0]
        else:  # the local cloud does not remember each message's source queue
            raise InvalidParameterValue("Name a DestinationArn: more than one queue sends to this dead-letter queue.")
        with _TASKS_LOCK:
            tasks = _TASKS.setdefault(source.queue_arn, [])
            if any(task.status == "RUNNING" for task in tasks):
                raise InvalidParameterValue(
                    "There is already a task running. Only one active task is allowed per resource."
                )
            task = MessageMoveTask(
                handle=str(uuid.uuid4()),
                source_arn=source.queue_arn,
                destination_arn=destination_arn,
                per_second=int(per_second) if per_second is not None else None,
                to_move=int(source.approximate_number_of_messages),
                started_ms=int(time.time() * 1000),
            )
            tasks.insert(0, task)
        threading.Thread(target=move, args=(backend, task, source, destination), daemon=True).start()
        return ActionResult({"TaskHandle": task.handle})

    def list_message_move_tasks(self: Any) -> Any:
        source = queue_by_arn(self.sqs_backend, self._get_param("SourceArn"))
        limit = int(self._get_param("MaxResults") or 1)
        if not 1 <= limit <= 10:
            raise InvalidParameterValue("MaxResults must be between 1 and 10.")
        with _TASKS_LOCK:
            tasks = list(_TASKS.get(source.queue_arn, []))[:limit]
        return ActionResult({"Results": [task.as_result() for task in tasks]})

    def cancel_message_move_task(self: Any) -> Any:
        handle = self._get_param("TaskHandle")
        with _TASKS_LOCK:
            task = next((t for tasks in _TASKS.values() for t in tasks if t.handle == handle), None)
        if task is None or task.status != "RUNNING":
            raise ResourceNotFound("Task does not exist or is not running.")
        task.status = "CANCELLING"
        task.cancel.set()
        return ActionResult({"ApproximateNumberOfMessagesMoved": task.moved})

    SQSResponse.start_message_move_task = start_message_move_task  # type: ignore[attr-defined]
    SQSResponse.list_message_move_tasks = list_message_move_tasks  # type: ignore[attr-defined]
    SQSResponse.cancel_message_move_task = cancel_message_move_task  # type: ignore[attr-defined]
