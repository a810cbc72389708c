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
- AppConfig (moto has applications, configuration profiles and hosted configuration versions, and nothing
  that deploys them): environments (with their Monitors), deployment strategies, `StartDeployment` (which runs
  the profile's LAMBDA validators first, as AWS does, and refuses with `BadRequestException` and the
  validator's message), `GetDeployment`, `ListDeployments`, `StopDeployment`; and AppConfigData's
  `StartConfigurationSession` / `GetLatestConfiguration`, which serve the deployed version (nothing deployed:
  `ResourceNotFoundException`). A deployment takes its strategy's minutes, each `APPCONFIG_MINUTE_S` seconds
  long locally (0 by default: at once), and is rolled back (`ROLLED_BACK`, the version before served again)
  when one of its environment's monitor alarms is in ALARM while it deploys or bakes.
- Step Functions' AWS SDK integrations (`arn:aws:states:::aws-sdk:<service>:<action>`) take their parameters in
  PascalCase and answer in PascalCase, whatever the service's own casing (AWS converts both ways; the monthly
  runs' `aws-sdk:sfn:describeMapRun` sends `MapRunArn` and reads `ItemCounts.Failed`). moto's port of the
  interpreter has the conversion (`_to_boto_request`, `_from_boto_response`) but never calls it, so a
  lowerCamel API such as Step Functions' own refused the call; it is called here with the operation's shapes.
- A Distributed Map's `ProcessorConfig: {ExecutionType: EXPRESS}`: moto's grammar knows only STANDARD child
  executions. Its Distributed Map runs every child inside the parent's process whatever the type (no child is
  an execution of its own, nothing of either type's history or limits is modelled), so EXPRESS is read as
  STANDARD there: the same template runs locally and on AWS.
- A Distributed Map's `ResultWriter` writes the result files its manifest lists, as AWS does: moto's writes the
  manifest only, its `ResultFiles` empty. Here each child's end is kept on its Map Run (its input after the
  ItemSelector, and its output, or its error and cause) and written as `SUCCEEDED_0.json` / `FAILED_0.json`
  beside the manifest (JSON arrays of `{ExecutionArn, Input, Output | Error, Cause, Status}`, Input and Output
  as JSON text), so that the runbook's way to see which customers failed works locally too.

- A definition is parsed once (`_install_parse_once`): moto parsed it with ANTLR again at every StartExecution,
  50-90 ms before each execution's first state here (a cost of its Python ANTLR runtime).

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
        _install_appconfig()
        _install_sdk_integration_casing()
        _install_parse_once()
        _install_express_child_workflows()
        _install_result_files()
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


def standard_children(definition: str) -> str:
    """The definition with every Distributed Map's EXPRESS child workflows read as STANDARD (moto's grammar)."""
    if '"EXPRESS"' not in definition:
        return definition

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            config = node.get("ProcessorConfig")
            if isinstance(config, dict) and config.get("ExecutionType") == "EXPRESS":
                node["ProcessorConfig"] = {**config, "ExecutionType": "STANDARD"}
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        return node

    try:
        return json.dumps(walk(json.loads(definition)))
    except ValueError:  # not JSON: moto's parser reports it as it would
        return definition


def _install_result_files() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor.distributed_item_processor_worker import (  # noqa: E501
        DistributedItemProcessorWorker,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3 import (  # noqa: E501
        ResourceEvalS3,
    )
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramError, ProgramStopped
    from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for

    original_input = DistributedItemProcessorWorker._eval_input
    original_job = DistributedItemProcessorWorker._eval_job
    original_put = ResourceEvalS3._handle_put_object

    def eval_input(self: Any, env_frame: Any) -> None:
        original_input(self, env_frame)
        env_frame.child_input = copy.deepcopy(env_frame.states.get_input())  # the child's input, selected

    def eval_job(self: Any, env: Any, job: Any) -> None:
        original_job(self, env, job)
        state = env.program_state()
        result: dict[str, Any] = {
            "ExecutionArn": f"{self._map_run_record.map_state_machine_arn.replace(':stateMachine:', ':execution:')}"
            f":{uuid.uuid4()}",
            "Input": json.dumps(getattr(env, "child_input", job.job_input)),
        }
        if isinstance(state, ProgramError) or (job.job_output is None and not isinstance(state, ProgramStopped)):
            error = getattr(state, "error", None) or {}
            result |= {"Status": "FAILED", "Error": error.get("error"), "Cause": error.get("cause")}
        elif isinstance(state, ProgramStopped):
            result |= {"Status": "ABORTED"}
        else:
            result |= {"Status": "SUCCEEDED", "Output": json.dumps(job.job_output)}
        with _results_lock:
            _results.setdefault(self._map_run_record.map_run_arn, []).append(result)

    def put_object(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
        original_put(env, resource_runtime_part, state_credentials)
        written = env.stack[-1]
        bucket, key = written["ResultWriterDetails"]["Bucket"], written["ResultWriterDetails"]["Key"]
        with _results_lock:
            results = _results.pop(written["MapRunArn"], [])
        s3: Any = boto_client_for(
            region=resource_runtime_part.region, service="s3", state_credentials=state_credentials
        )
        manifest = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        folder = key.rsplit("/", 1)[0]
        for status in ("SUCCEEDED", "FAILED"):
            mine = [r for r in results if r["Status"] == status or (status == "FAILED" and r["Status"] == "ABORTED")]
            if not mine:
                continue
            name = f"{folder}/{status}_0.json"
            s3.put_object(Bucket=bucket, Key=name, Body=json.dumps(mine).encode())
            manifest["ResultFiles"][status] = [{"Key": name, "Size": len(json.dumps(mine))}]
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest, indent=2).encode())

    DistributedItemProcessorWorker._eval_input = eval_input  # type: ignore[method-assign]
    DistributedItemProcessorWorker._eval_job = eval_job  # type: ignore[method-assign]
    ResourceEvalS3._handle_put_object = staticmethod(put_object)  # type: ignore[method-assign]


_results: dict[str, list[dict[str, Any]]] = {}  # a Map Run's children's ends, until its ResultWriter writes them
_results_lock = threading.Lock()


PARSED_KEPT = 256  # parse trees kept (a test session creates a few dozen state machines)
_parsed: dict[str, Any] = {}  # definition -> its ANTLR parse tree
_parsed_lock = threading.Lock()


def _install_parse_once() -> None:
    """moto's Step Functions parses a definition with ANTLR's Python runtime at CreateStateMachine and again at
    every StartExecution (50-90 ms per execution of card issuance here, several times that under load, all before
    its first state). The parse tree of a definition is kept and only the cheap step after it (moto's
    Preprocessor, 6-8 ms: the tree into fresh evaluation components) runs per execution, so no execution shares
    state with another. A definition with a syntax error is never kept: it fails as moto fails it, each time."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    original = AmazonStateLanguageParser.parse

    def parse(definition: str) -> Any:
        with _parsed_lock:
            tree = _parsed.get(definition)
        if tree is None:
            program, tree = original(definition)  # raises ASLParserException as before
            with _parsed_lock:
                if len(_parsed) >= PARSED_KEPT:
                    _parsed.pop(next(iter(_parsed)))
                _parsed[definition] = tree
            return program, tree
        return Preprocessor().visit(tree), tree

    AmazonStateLanguageParser.parse = staticmethod(parse)  # type: ignore[method-assign]


def _install_express_child_workflows() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    original = AmazonStateLanguageParser.parse

    def parse(definition: str) -> Any:
        return original(standard_children(definition))

    AmazonStateLanguageParser.parse = staticmethod(parse)  # type: ignore[method-assign]


def _install_sdk_integration_casing() -> None:
    import boto3
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
        StateTaskServiceAwsSdk,
    )

    def operation(task: Any) -> Any:
        service = boto3.session.Session().client(  # only its model is read: no call, no credentials used
            task._get_boto_service_name(), region_name="us-east-1", aws_access_key_id="-", aws_secret_access_key="-"
        )
        return service.meta.service_model.operation_model(
            service.meta.method_to_api_mapping[task._get_boto_service_action()]
        )

    def normalise_parameters(self: Any, parameters: dict[str, Any], *_args: Any, **_kwargs: Any) -> None:
        shape = operation(self).input_shape
        if shape is not None:
            self._to_boto_request(parameters, shape)

    def json_safe(value: Any) -> Any:  # AWS hands timestamps to the state as text
        if isinstance(value, dict):
            return {key: json_safe(item) for key, item in value.items()}
        if isinstance(value, list):
            return [json_safe(item) for item in value]
        return value.isoformat() if isinstance(value, datetime.datetime) else value

    def normalise_response(self: Any, response: Any, *_args: Any, **_kwargs: Any) -> None:
        shape = operation(self).output_shape
        if shape is not None:
            self._from_boto_response(response, shape)
        if isinstance(response, dict):
            response.update(json_safe(response))

    StateTaskServiceAwsSdk._normalise_parameters = normalise_parameters  # type: ignore[method-assign]
    StateTaskServiceAwsSdk._normalise_response = normalise_response  # type: ignore[method-assign]


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


# ---------------------------------------------------------------------------------------------- AppConfig
APPCONFIG_MINUTE_S = float(__import__("os").environ.get("APPCONFIG_MINUTE_S", "0"))
_DEPLOYED_STATES = ("DEPLOYING", "BAKING", "COMPLETE")


@dataclass
class AppConfigDeployment:
    application_id: str
    environment_id: str
    number: int
    profile_id: str
    profile_name: str
    version: str
    strategy: dict[str, Any]
    description: str
    version_label: str | None
    started: datetime.datetime
    state: str = "DEPLOYING"
    completed: datetime.datetime | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def note(self, event_type: str, description: str, triggered_by: str = "APPCONFIG") -> None:
        self.events.insert(
            0,
            {
                "EventType": event_type,
                "TriggeredBy": triggered_by,
                "Description": description,
                "OccurredAt": datetime.datetime.now(tz=datetime.UTC).isoformat(),
            },
        )

    def summary(self) -> dict[str, Any]:
        return {
            "DeploymentNumber": self.number,
            "ConfigurationName": self.profile_name,
            "ConfigurationVersion": self.version,
            "DeploymentDurationInMinutes": self.strategy["DeploymentDurationInMinutes"],
            "GrowthType": self.strategy.get("GrowthType", "LINEAR"),
            "GrowthFactor": self.strategy.get("GrowthFactor", 100),
            "FinalBakeTimeInMinutes": self.strategy.get("FinalBakeTimeInMinutes", 0),
            "State": self.state,
            "PercentageComplete": 100.0 if self.state in ("BAKING", "COMPLETE") else 0.0,
            "StartedAt": self.started.isoformat(),
            **({"CompletedAt": self.completed.isoformat()} if self.completed else {}),
            **({"VersionLabel": self.version_label} if self.version_label else {}),
        }

    def as_result(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "ApplicationId": self.application_id,
            "EnvironmentId": self.environment_id,
            "DeploymentStrategyId": self.strategy["Id"],
            "ConfigurationProfileId": self.profile_id,
            "ConfigurationLocationUri": "hosted",
            "Description": self.description,
            "EventLog": list(self.events),
        }


@dataclass
class AppConfigExtras:
    """What the local cloud keeps beside moto's AppConfig backend, per account and region."""

    environments: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # app -> env id -> env
    strategies: dict[str, dict[str, Any]] = field(default_factory=dict)
    deployments: dict[tuple[str, str], list[AppConfigDeployment]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> app, env, profile, last served


_APPCONFIG: dict[tuple[str, str], AppConfigExtras] = {}
_APPCONFIG_LOCK = threading.RLock()


def appconfig_extras(account: str, region: str) -> AppConfigExtras:
    with _APPCONFIG_LOCK:
        return _APPCONFIG.setdefault((account, region), AppConfigExtras())


def served_deployment(extras: AppConfigExtras, app_id: str, env_id: str, profile_id: str) -> AppConfigDeployment | None:
    """The deployment whose version the environment serves: the newest one not rolled back or stopped."""
    with _APPCONFIG_LOCK:
        for deployment in reversed(extras.deployments.get((app_id, env_id), [])):
            if deployment.profile_id == profile_id and deployment.state in _DEPLOYED_STATES:
                return deployment
    return None


def _alarm_firing(account: str, region: str, arns: list[str]) -> str | None:
    from moto.cloudwatch.models import cloudwatch_backends

    alarms = cloudwatch_backends[account][region].alarms
    for arn in arns:
        alarm = alarms.get(arn.rsplit(":alarm:", 1)[-1])
        if alarm is not None and alarm.state_value == "ALARM":
            return arn
    return None


def _roll_out(account: str, region: str, deployment: AppConfigDeployment, monitors: list[str]) -> None:
    """Deploy over the strategy's minutes, bake, and roll back when a monitor's alarm goes off meanwhile."""
    phases = (
        ("DEPLOYING", float(deployment.strategy["DeploymentDurationInMinutes"])),
        ("BAKING", float(deployment.strategy.get("FinalBakeTimeInMinutes", 0))),
    )
    for state, minutes in phases:
        deployment.state = state
        if state == "BAKING":
            deployment.note("BAKE_TIME_STARTED", "Bake time started")
        deadline = time.monotonic() + minutes * APPCONFIG_MINUTE_S
        while True:
            firing = _alarm_firing(account, region, monitors)
            if firing is not None:
                deployment.state = "ROLLED_BACK"
                deployment.note("ROLLBACK_STARTED", f"Rollback initiated by alarm {firing}", "CLOUDWATCH_ALARM")
                deployment.note("ROLLBACK_COMPLETED", "Rollback completed", "CLOUDWATCH_ALARM")
                deployment.completed = datetime.datetime.now(tz=datetime.UTC)
                return
            if deployment.stop.is_set():
                deployment.state = "ROLLED_BACK"
                deployment.note("ROLLBACK_COMPLETED", "Deployment stopped", "USER")
                deployment.completed = datetime.datetime.now(tz=datetime.UTC)
                return
            if time.monotonic() >= deadline:
                break
            deployment.stop.wait(min(0.2, max(0.0, deadline - time.monotonic())))
    deployment.state = "COMPLETE"
    deployment.completed = datetime.datetime.now(tz=datetime.UTC)
    deployment.note("DEPLOYMENT_COMPLETED", "Deployment completed")


def _run_lambda_validator(function_arn: str, event: dict[str, Any]) -> str | None:
    """The validator's refusal (its errorMessage), or None when it accepts. Runs on the local cloud's runner."""
    from local.cloud import cloud

    name = function_arn.rsplit(":function:", 1)[-1].split(":")[0]
    if name not in cloud._RUNNERS:
        return f"the validator function {name} does not exist"
    runner, _pool = cloud._RUNNERS[name]
    result = runner.invoke(name, json.dumps(event))
    if not result.function_error:
        return None
    try:
        failure = json.loads(result.payload or b"{}")
    except ValueError:
        failure = {}
    return str(failure.get("errorMessage") or result.function_error)


def _install_appconfig() -> None:
    import base64

    from moto.appconfig import urls
    from moto.appconfig.models import appconfig_backends
    from moto.appconfig.responses import AppConfigResponse
    from moto.core.responses import BaseResponse

    def refused(kind: str, message: str, status: int = 400, **extra: Any) -> tuple[str, dict[str, Any]]:
        body = {"Message": message, **extra}
        return json.dumps(body), {"status": status, "x-amzn-ErrorType": kind, "Content-Type": "application/json"}

    def backend(self: Any) -> Any:
        return appconfig_backends[self.current_account][self.region]

    def extras(self: Any) -> AppConfigExtras:
        return appconfig_extras(self.current_account, self.region)

    def body(self: Any) -> dict[str, Any]:
        try:
            return dict(json.loads(self.body or "{}"))
        except ValueError:
            return {}

    def application(self: Any, identifier: str) -> Any:
        apps = backend(self).applications
        return apps.get(identifier) or next((a for a in apps.values() if a.name == identifier), None)

    # ---- environments
    def create_environment(self: Any) -> Any:
        app_id = self._get_param("ApplicationId")
        if application(self, app_id) is None:
            return refused("ResourceNotFoundException", f"Application {app_id} not found", 404)
        request = body(self)
        env = {
            "ApplicationId": app_id,
            "Id": uuid.uuid4().hex[:7],
            "Name": request["Name"],
            "Description": request.get("Description", ""),
            "State": "ReadyForDeployment",
            "Monitors": request.get("Monitors", []),
        }
        with _APPCONFIG_LOCK:
            extras(self).environments.setdefault(app_id, {})[env["Id"]] = env
        return json.dumps(env), {"status": 201}

    def environment(self: Any, app_id: str, identifier: str) -> dict[str, Any] | None:
        envs = extras(self).environments.get(app_id, {})
        return envs.get(identifier) or next((e for e in envs.values() if e["Name"] == identifier), None)

    def get_environment(self: Any) -> Any:
        env = environment(self, self._get_param("ApplicationId"), self._get_param("EnvironmentId"))
        if env is None:
            return refused("ResourceNotFoundException", "Environment not found", 404)
        return json.dumps(env)

    def list_environments(self: Any) -> Any:
        envs = extras(self).environments.get(self._get_param("ApplicationId"), {})
        return json.dumps({"Items": list(envs.values())})

    # ---- deployment strategies
    def create_deployment_strategy(self: Any) -> Any:
        request = body(self)
        strategy = {
            "Id": uuid.uuid4().hex[:7],
            "Name": request["Name"],
            "Description": request.get("Description", ""),
            "DeploymentDurationInMinutes": int(request["DeploymentDurationInMinutes"]),
            "GrowthType": request.get("GrowthType", "LINEAR"),
            "GrowthFactor": float(request["GrowthFactor"]),
            "FinalBakeTimeInMinutes": int(request.get("FinalBakeTimeInMinutes", 0)),
            "ReplicateTo": request.get("ReplicateTo", "NONE"),
        }
        with _APPCONFIG_LOCK:
            extras(self).strategies[strategy["Id"]] = strategy
        return json.dumps(strategy), {"status": 201}

    def get_deployment_strategy(self: Any) -> Any:
        strategy = extras(self).strategies.get(self._get_param("DeploymentStrategyId"))
        if strategy is None:
            return refused("ResourceNotFoundException", "Deployment strategy not found", 404)
        return json.dumps(strategy)

    def list_deployment_strategies(self: Any) -> Any:
        return json.dumps({"Items": list(extras(self).strategies.values())})

    # ---- deployments
    def start_deployment(self: Any) -> Any:
        app = application(self, self._get_param("ApplicationId"))
        env = environment(self, app.id, self._get_param("EnvironmentId")) if app else None
        if app is None or env is None:
            return refused("ResourceNotFoundException", "Application or environment not found", 404)
        request = body(self)
        strategy = extras(self).strategies.get(request.get("DeploymentStrategyId", ""))
        profile = app.config_profiles.get(request.get("ConfigurationProfileId", ""))
        if strategy is None or profile is None:
            return refused("ResourceNotFoundException", "Deployment strategy or configuration profile not found", 404)
        version = str(request.get("ConfigurationVersion", ""))
        hosted = profile.config_versions.get(int(version)) if version.isdigit() else None
        if hosted is None:
            return refused("ResourceNotFoundException", f"Configuration version {version} not found", 404)
        with _APPCONFIG_LOCK:
            earlier = extras(self).deployments.get((app.id, env["Id"]), [])
            if any(d.state in ("DEPLOYING", "BAKING") for d in earlier):
                return refused("ConflictException", "A deployment is already in progress in this environment", 409)
        content = hosted.content.encode() if isinstance(hosted.content, str) else bytes(hosted.content)
        for validator in profile.validators or []:
            if validator.get("Type") != "LAMBDA":
                continue
            reason = _run_lambda_validator(
                validator["Content"],
                {
                    "applicationId": app.id,
                    "configurationProfileId": profile.id,
                    "configurationVersion": version,
                    "content": base64.b64encode(content).decode(),
                    "uri": "hosted",
                },
            )
            if reason is not None:
                invalid = {"Constraint": validator["Content"], "Location": "", "Reason": reason, "Type": "LAMBDA"}
                details = {"InvalidConfiguration": [{**invalid, "Value": ""}]}
                return refused("BadRequestException", f"Configuration failed validation: {reason}", Details=details)
        with _APPCONFIG_LOCK:
            deployments = extras(self).deployments.setdefault((app.id, env["Id"]), [])
            deployment = AppConfigDeployment(
                application_id=app.id,
                environment_id=env["Id"],
                number=len(deployments) + 1,
                profile_id=profile.id,
                profile_name=profile.name,
                version=version,
                strategy=strategy,
                description=request.get("Description", ""),
                version_label=hosted.version_label,
                started=datetime.datetime.now(tz=datetime.UTC),
            )
            deployment.note("DEPLOYMENT_STARTED", "Deployment started", "USER")
            deployments.append(deployment)
        monitors = [m["AlarmArn"] for m in env.get("Monitors", []) if m.get("AlarmArn")]
        threading.Thread(
            target=_roll_out, args=(self.current_account, self.region, deployment, monitors), daemon=True
        ).start()
        return json.dumps(deployment.as_result()), {"status": 201}

    def deployment_of(self: Any) -> AppConfigDeployment | None:
        app = application(self, self._get_param("ApplicationId"))
        env = environment(self, app.id, self._get_param("EnvironmentId")) if app else None
        if app is None or env is None:
            return None
        number = int(self._get_param("DeploymentNumber"))
        found = [d for d in extras(self).deployments.get((app.id, env["Id"]), []) if d.number == number]
        return found[0] if found else None

    def get_deployment(self: Any) -> Any:
        deployment = deployment_of(self)
        if deployment is None:
            return refused("ResourceNotFoundException", "Deployment not found", 404)
        return json.dumps(deployment.as_result())

    def stop_deployment(self: Any) -> Any:
        deployment = deployment_of(self)
        if deployment is None:
            return refused("ResourceNotFoundException", "Deployment not found", 404)
        if deployment.state not in ("DEPLOYING", "BAKING"):
            return refused("BadRequestException", "Only a deployment in progress can be stopped")
        deployment.stop.set()
        return json.dumps(deployment.as_result()), {"status": 202}

    def list_deployments(self: Any) -> Any:
        app = application(self, self._get_param("ApplicationId"))
        env = environment(self, app.id, self._get_param("EnvironmentId")) if app else None
        if app is None or env is None:
            return refused("ResourceNotFoundException", "Application or environment not found", 404)
        items = [d.summary() for d in reversed(extras(self).deployments.get((app.id, env["Id"]), []))]
        return json.dumps({"Items": items})

    for name, method in {
        "create_environment": create_environment,
        "get_environment": get_environment,
        "list_environments": list_environments,
        "create_deployment_strategy": create_deployment_strategy,
        "get_deployment_strategy": get_deployment_strategy,
        "list_deployment_strategies": list_deployment_strategies,
        "start_deployment": start_deployment,
        "get_deployment": get_deployment,
        "stop_deployment": stop_deployment,
        "list_deployments": list_deployments,
    }.items():
        setattr(AppConfigResponse, name, method)

    class AppConfigDataResponse(BaseResponse):
        """AppConfigData's two operations (its requests are signed `appconfig`, so they reach this router)."""

        def __init__(self) -> None:
            super().__init__(service_name="appconfigdata")

        def start_configuration_session(self) -> Any:
            request = json.loads(self.body or "{}")
            app = application(self, request.get("ApplicationIdentifier", ""))
            env = environment(self, app.id, request.get("EnvironmentIdentifier", "")) if app else None
            wanted = request.get("ConfigurationProfileIdentifier", "")
            profile = (
                app.config_profiles.get(wanted)
                or next((p for p in app.config_profiles.values() if p.name == wanted), None)
                if app
                else None
            )
            if app is None or env is None or profile is None:
                return refused("ResourceNotFoundException", "Application, environment or profile not found", 404)
            token = uuid.uuid4().hex
            with _APPCONFIG_LOCK:
                extras(self).sessions[token] = {"app": app.id, "env": env["Id"], "profile": profile.id, "served": None}
            return json.dumps({"InitialConfigurationToken": token}), {"status": 201}

        def get_latest_configuration(self) -> Any:
            token = self._get_param("ConfigurationToken") or self.querystring.get("configuration_token", [""])[0]
            with _APPCONFIG_LOCK:
                session = extras(self).sessions.get(token)
            if session is None:
                return refused("BadRequestException", "The configuration token is not valid (used or unknown)")
            deployment = served_deployment(extras(self), session["app"], session["env"], session["profile"])
            if deployment is None:  # the token is not spent: the client may ask again once one is deployed
                return refused("ResourceNotFoundException", "Deployed configuration not found", 404)
            next_token = uuid.uuid4().hex
            with _APPCONFIG_LOCK:
                extras(self).sessions.pop(token, None)
                extras(self).sessions[next_token] = {**session, "served": deployment.version}
            headers = {
                "Next-Poll-Configuration-Token": next_token,
                "Next-Poll-Interval-In-Seconds": "1",
                "Content-Type": "application/json",
                **({"Version-Label": deployment.version_label} if deployment.version_label else {}),
            }
            if session["served"] == deployment.version:  # unchanged since this session's last answer: no content
                return "", headers
            app = appconfig_backends[self.current_account][self.region].applications[session["app"]]
            hosted = app.config_profiles[session["profile"]].config_versions[int(deployment.version)]
            content = hosted.content if isinstance(hosted.content, str) else bytes(hosted.content).decode()
            headers["Content-Type"] = hosted.content_type or "application/json"
            return content, headers

    environments = "{0}/applications/(?P<app_id>[^/]+)/environments"
    urls.url_paths.update(
        {
            f"{environments}$": AppConfigResponse.dispatch,
            f"{environments}/(?P<env_id>[^/]+)$": AppConfigResponse.dispatch,
            f"{environments}/(?P<env_id>[^/]+)/deployments$": AppConfigResponse.dispatch,
            f"{environments}/(?P<env_id>[^/]+)/deployments/(?P<n>[^/]+)$": AppConfigResponse.dispatch,
            "{0}/deploymentstrategies$": AppConfigResponse.dispatch,
            "{0}/deploymentstrategies/(?P<strategy_id>[^/]+)$": AppConfigResponse.dispatch,
            "{0}/configurationsessions$": AppConfigDataResponse.dispatch,
            "{0}/configuration$": AppConfigDataResponse.dispatch,
        }
    )
