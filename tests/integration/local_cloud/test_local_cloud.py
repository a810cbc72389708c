"""The local cloud runs a SAM template the way AWS would: these tests go through HTTP, boto3 and the
queue, never by calling a handler."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from local.cloud.runner import Invocation


def invoke(cloud: LocalCloud, function: str, payload: Any) -> dict[str, Any]:
    response = cloud.client("lambda").invoke(FunctionName=function, Payload=json.dumps(payload).encode())
    return {
        "FunctionError": response.get("FunctionError"),
        "Payload": json.loads(response["Payload"].read() or b"null"),
    }


def journey_arn(cloud: LocalCloud) -> str:
    assert cloud.stack is not None
    return cloud.stack.state_machines["Journey"]


def wait_for(condition: Any, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_every_resource_of_the_template_exists_in_the_aws_endpoint(cloud: LocalCloud) -> None:
    # moto's backends are shared by every local cloud in this process: look at this stack's only.
    tables = [t for t in cloud.client("dynamodb").list_tables()["TableNames"] if t.startswith("test-")]
    queues = [q for q in cloud.client("sqs").list_queues()["QueueUrls"] if "/test-" in q]
    machines = [
        m for m in cloud.client("stepfunctions").list_state_machines()["stateMachines"] if m["name"] == "test-Journey"
    ]
    functions = {
        f["FunctionName"]
        for f in cloud.client("lambda").list_functions()["Functions"]
        if f["FunctionName"].startswith("test-")
    }

    assert tables == ["test-Table"]
    assert sorted(url.rsplit("/", 1)[1] for url in queues) == [
        "test-ChatQueue.fifo",
        "test-WorkDeadLetterQueue.fifo",
        "test-WorkQueue.fifo",
    ]
    assert [m["name"] for m in machines] == ["test-Journey"]
    assert functions == {
        "test-EchoFunction",
        "test-FailFunction",
        "test-SlowFunction",
        "test-BatchFunction",
        "test-StaffAuthorizerFunction",
        "test-ValidatorFunction",
    }


def test_a_function_gets_its_environment_memory_and_context_from_the_template(cloud: LocalCloud) -> None:
    result = invoke(cloud, "test-EchoFunction", {"hello": "world"})

    assert result["FunctionError"] is None
    assert result["Payload"]["event"] == {"hello": "world"}
    assert result["Payload"]["greeting"] == "hello"
    assert result["Payload"]["table"] == "test-Table"
    assert result["Payload"]["memory"] == 256
    assert 0 < result["Payload"]["remaining_ms"] <= 5000


def test_the_first_call_is_a_cold_start_and_the_next_reuses_the_environment(cloud: LocalCloud) -> None:
    assert cloud.runner is not None
    first = cloud.runner.invoke("test-SlowFunction", json.dumps({"seconds": 0}))
    second = cloud.runner.invoke("test-SlowFunction", json.dumps({"seconds": 0}))

    assert first.cold is True
    assert second.cold is False


def test_every_finished_call_is_told_to_the_runners_listeners_with_the_handlers_own_time(cloud: LocalCloud) -> None:
    assert cloud.runner is not None
    heard: list[Invocation] = []
    cloud.runner.listeners.append(heard.append)
    try:
        answered = cloud.runner.invoke("test-SlowFunction", json.dumps({"seconds": 0.3}))
    finally:
        cloud.runner.listeners.remove(heard.append)

    assert heard == [answered]
    assert answered.function_name == "test-SlowFunction"
    assert json.loads(answered.payload_in) == {"seconds": 0.3}
    # The handler slept 0.3 s by the worker's clock; the runner's call holds it and the pipes around it.
    assert 300 <= answered.handler_ms <= answered.duration_ms


def test_functions_run_in_separate_processes(cloud: LocalCloud) -> None:
    echo = invoke(cloud, "test-EchoFunction", {})["Payload"]
    other = cloud.client("lambda").invoke(FunctionName="test-SlowFunction", Payload=b'{"seconds": 0}')

    assert other.get("FunctionError") is None
    assert echo["pid"] != __import__("os").getpid()


def test_an_exception_comes_back_as_a_lambda_function_error(cloud: LocalCloud) -> None:
    result = invoke(cloud, "test-FailFunction", {})

    assert result["FunctionError"] == "Unhandled"
    assert result["Payload"]["errorType"] == "CardNotFound"
    assert result["Payload"]["errorMessage"] == "no such card"


def test_a_call_that_outlives_the_timeout_is_stopped_and_reported(cloud: LocalCloud) -> None:
    started = time.monotonic()
    result = invoke(cloud, "test-SlowFunction", {"seconds": 5})

    assert time.monotonic() - started < 4
    assert result["FunctionError"] == "Unhandled"
    assert result["Payload"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in result["Payload"]["errorMessage"]
    # The environment was reset: the next call starts cold and succeeds.
    assert invoke(cloud, "test-SlowFunction", {"seconds": 0})["Payload"] == "finished"


def test_what_a_function_prints_goes_to_its_log_with_lambda_report_lines(cloud: LocalCloud) -> None:
    invoke(cloud, "test-EchoFunction", {})

    log = (cloud.logs.directory / "test-EchoFunction.log").read_text()
    assert "echo was called" in log
    assert "REPORT RequestId:" in log and "Init Duration:" in log


def test_the_api_front_builds_a_payload_2_event_with_path_and_query(cloud: LocalCloud) -> None:
    assert cloud.api is not None
    response = httpx.get(f"{cloud.api.base_url}/echo/ann?x=1&x=2", headers={"X-Custom": "A"})

    assert response.status_code == 200
    event = response.json()["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /echo/{name}"
    assert event["rawPath"] == "/echo/ann"
    assert event["pathParameters"] == {"name": "ann"}
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["headers"]["x-custom"] == "A"
    assert event["requestContext"]["http"]["method"] == "GET"


def test_the_api_front_passes_a_text_body_as_is_and_a_binary_one_base64_encoded(cloud: LocalCloud) -> None:
    assert cloud.api is not None
    text = httpx.post(f"{cloud.api.base_url}/echo", json={"a": "б"}).json()["event"]
    binary = httpx.post(
        f"{cloud.api.base_url}/echo", content=b"\xff\x00", headers={"content-type": "application/octet-stream"}
    ).json()["event"]

    assert text["isBase64Encoded"] is False and json.loads(text["body"]) == {"a": "б"}
    assert binary["isBase64Encoded"] is True and binary["body"] == "/wA="


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("GET", "/nowhere", 404, "Not Found"),
        ("DELETE", "/echo", 405, "Method Not Allowed"),
        ("POST", "/fail", 500, "Internal Server Error"),
    ],
)
def test_the_api_front_answers_like_api_gateway_when_it_cannot_route_or_the_function_fails(
    cloud: LocalCloud, method: str, path: str, status: int, message: str
) -> None:
    assert cloud.api is not None
    response = httpx.request(method, f"{cloud.api.base_url}{path}")

    assert response.status_code == status
    assert response.json() == {"message": message}


def test_a_state_machine_runs_its_lambda_tasks_to_success_with_a_full_history(cloud: LocalCloud) -> None:
    sfn = cloud.client("stepfunctions")
    arn = journey_arn(cloud)

    execution = sfn.start_execution(stateMachineArn=arn, name="happy-1", input=json.dumps({"fail": False}))
    status = wait_for(lambda: sfn.describe_execution(executionArn=execution["executionArn"])["status"] != "RUNNING")

    assert status
    assert sfn.describe_execution(executionArn=execution["executionArn"])["status"] == "SUCCEEDED"
    events = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")]
    assert entered == ["Echo", "MaybeFail", "Done"]


def test_a_function_error_is_caught_by_the_state_machine_by_its_class_name(cloud: LocalCloud) -> None:
    sfn = cloud.client("stepfunctions")
    arn = journey_arn(cloud)

    execution = sfn.start_execution(stateMachineArn=arn, name="caught-1", input=json.dumps({"fail": True}))
    wait_for(lambda: sfn.describe_execution(executionArn=execution["executionArn"])["status"] != "RUNNING")

    described = sfn.describe_execution(executionArn=execution["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["error"]["Error"] == "CardNotFound"


def test_a_second_start_with_a_closed_executions_name_is_refused(cloud: LocalCloud) -> None:
    sfn = cloud.client("stepfunctions")
    arn = journey_arn(cloud)
    first = sfn.start_execution(stateMachineArn=arn, name="once-1", input="{}")
    wait_for(lambda: sfn.describe_execution(executionArn=first["executionArn"])["status"] != "RUNNING")

    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name="once-1", input="{}")


def test_a_batch_with_one_bad_record_retries_only_that_record_until_the_dead_letter_queue(cloud: LocalCloud) -> None:
    sqs = cloud.client("sqs")
    queue = sqs.get_queue_url(QueueName="test-WorkQueue.fifo")["QueueUrl"]
    dead = sqs.get_queue_url(QueueName="test-WorkDeadLetterQueue.fifo")["QueueUrl"]
    table = cloud.client("dynamodb")
    for n, body in enumerate(["good-1", "poison-1", "good-2"]):
        sqs.send_message(QueueUrl=queue, MessageBody=body, MessageGroupId=f"g{n}", MessageDeduplicationId=body)

    moved = wait_for(lambda: sqs.receive_message(QueueUrl=dead, WaitTimeSeconds=1).get("Messages"), timeout_s=40)

    assert [m["Body"] for m in moved] == ["poison-1"]
    for body in ("good-1", "good-2"):
        item = table.get_item(TableName="test-Table", Key={"id": {"S": body}})["Item"]
        assert item["receives"] == {"S": "1"}  # processed once, never redelivered


def _recorded(cloud: LocalCloud, body: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = (
        cloud.client("dynamodb")
        .get_item(TableName="test-Table", Key={"id": {"S": body}}, ConsistentRead=True)
        .get("Item")
    )
    return item


def _send_to_chats(cloud: LocalCloud, body: str, group: str) -> None:
    sqs = cloud.client("sqs")
    queue = sqs.get_queue_url(QueueName="test-ChatQueue.fifo")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=body)


def test_a_chats_batch_still_running_does_not_hold_up_another_chats(cloud: LocalCloud) -> None:
    # The first batch waits (up to 15 s) for the second chat's message to be recorded by another batch: only an
    # event source that runs batches side by side lets it see it.
    _send_to_chats(cloud, "wait-for:other-chat-1", group="chat-a")
    wait_for(lambda: _recorded(cloud, "started:wait-for:other-chat-1"))
    _send_to_chats(cloud, "other-chat-1", group="chat-b")

    waiting = wait_for(lambda: _recorded(cloud, "wait-for:other-chat-1"), timeout_s=40)

    assert waiting["saw"] == {"S": "True"}


def test_a_chats_next_message_waits_until_its_batch_before_has_ended(cloud: LocalCloud) -> None:
    # The first message's batch waits in vain for a body nobody sends (its whole 15 s); the chat's next message,
    # sent while it runs, must not go until it has ended, though a batch slot is free.
    _send_to_chats(cloud, "wait-for:nobody-2", group="chat-c")
    wait_for(lambda: _recorded(cloud, "started:wait-for:nobody-2"))
    _send_to_chats(cloud, "after:wait-for:nobody-2", group="chat-c")

    after = wait_for(lambda: _recorded(cloud, "after:wait-for:nobody-2"), timeout_s=40)

    assert after["saw"] == {"S": "True"}


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer intruder"}, 403), ({"Authorization": "Bearer crash"}, 500)],
)
def test_a_route_behind_a_lambda_authorizer_refuses_like_api_gateway(
    cloud: LocalCloud, headers: dict[str, str], status: int
) -> None:
    assert cloud.api is not None
    response = httpx.get(f"{cloud.api.base_url}/staff/echo", headers=headers)

    assert response.status_code == status


def test_the_authorizers_context_reaches_the_function(cloud: LocalCloud) -> None:
    assert cloud.api is not None
    response = httpx.get(f"{cloud.api.base_url}/staff/echo", headers={"Authorization": "Bearer staff"})

    assert response.status_code == 200
    assert response.json()["event"]["requestContext"]["authorizer"] == {"lambda": {"role": "operator"}}
