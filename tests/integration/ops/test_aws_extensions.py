"""The operations AWS has and moto lacks, as the local cloud adds them (local/cloud/aws_extensions.py):
RedriveExecution on real executions, and SQS message move tasks out of a dead-letter queue."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.cloud import aws_extensions
from local.cloud.aws_extensions import restart_point
from tests.integration.ops.journeys import ROLE, moto_server

REGION = "eu-west-3"  # moto's backends are per process: a region no other test uses

# Saves to a table that does not exist until the test makes it: the execution fails in Save, after First.
LEDGER = {
    "StartAt": "First",
    "States": {
        "First": {"Type": "Pass", "Result": 1, "ResultPath": "$.first", "Next": "Save"},
        "Save": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName.$": "$.table", "Item": {"id": {"S.$": "$.id"}}},
            "ResultPath": None,
            "End": True,
        },
    },
}
WAITING = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 30, "End": True}}}


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[str, Any]]:
    aws_extensions.install()
    with moto_server() as endpoint:
        yield {
            name: boto3.client(
                name,
                endpoint_url=endpoint,
                region_name=REGION,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            for name in ("stepfunctions", "dynamodb", "sqs")
        }


def closed(sfn: Any, arn: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.1)
    raise TimeoutError(arn)


def machine(sfn: Any, name: str, definition: dict[str, Any]) -> str:
    arn: str = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    return arn


def make_table(dynamodb: Any, name: str) -> None:
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_a_redriven_execution_continues_from_the_failed_state_under_the_same_arn(clients: dict[str, Any]) -> None:
    sfn, dynamodb = clients["stepfunctions"], clients["dynamodb"]
    ledger = machine(sfn, "ledger-redrive", LEDGER)
    arn = sfn.start_execution(stateMachineArn=ledger, name="e1", input=json.dumps({"id": "a", "table": "t1"}))[
        "executionArn"
    ]
    failed = closed(sfn, arn)
    assert failed["status"] == "FAILED"
    assert (failed["redriveStatus"], failed["redriveCount"]) == ("REDRIVABLE", 0)

    # Once the cause is gone, the execution is redriven
    make_table(dynamodb, "t1")
    assert "redriveDate" in sfn.redrive_execution(executionArn=arn)

    done = closed(sfn, arn)
    assert done["status"] == "SUCCEEDED"
    assert done["redriveCount"] == 1
    assert json.loads(done["output"]) == {"id": "a", "table": "t1", "first": 1}  # Save got what it was given
    events = sfn.get_execution_history(executionArn=arn)["events"]
    kinds = [event["type"] for event in events]
    assert kinds.count("PassStateEntered") == 1  # First, which succeeded, did not run again
    assert kinds.count("TaskStateEntered") == 2
    redriven = kinds.index("ExecutionRedriven")
    assert kinds[redriven - 2 : redriven] == ["TaskFailed", "ExecutionFailed"]  # the first attempt's end is kept
    assert events[redriven]["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert [event["id"] for event in events] == list(range(1, len(events) + 1))
    assert dynamodb.scan(TableName="t1")["Items"] == [{"id": {"S": "a"}}]


def test_a_redrive_of_an_execution_a_catch_led_to_a_fail_state_restarts_in_that_fail_state(
    clients: dict[str, Any],
) -> None:
    sfn = clients["stepfunctions"]
    parked = {
        "StartAt": "Refund",
        "States": {
            "Refund": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": "refunds", "Item": {"id": {"S": "r"}}},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "RefundStuck"}],
                "End": True,
            },
            "RefundStuck": {"Type": "Fail", "Error": "RefundStuck"},
        },
    }
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "parked", parked), name="e5")["executionArn"]
    closed(sfn, arn)
    make_table(clients["dynamodb"], "refunds")

    sfn.redrive_execution(executionArn=arn)

    assert closed(sfn, arn)["error"] == "RefundStuck"
    kinds = [event["type"] for event in sfn.get_execution_history(executionArn=arn)["events"]]
    assert kinds[kinds.index("ExecutionRedriven") + 1 :] == ["FailStateEntered", "ExecutionFailed"]


def test_a_succeeded_execution_is_not_redrivable(clients: dict[str, Any]) -> None:
    sfn, dynamodb = clients["stepfunctions"], clients["dynamodb"]
    make_table(dynamodb, "t2")
    ledger = machine(sfn, "ledger-succeeds", LEDGER)
    arn = sfn.start_execution(stateMachineArn=ledger, name="e2", input=json.dumps({"id": "b", "table": "t2"}))[
        "executionArn"
    ]
    assert closed(sfn, arn)["redriveStatus"] == "NOT_REDRIVABLE"

    with pytest.raises(ClientError) as refused:
        sfn.redrive_execution(executionArn=arn)
    assert refused.value.response["Error"]["Code"] == "ExecutionNotRedrivable"


def test_a_running_execution_is_not_redrivable_and_stops(clients: dict[str, Any]) -> None:
    sfn = clients["stepfunctions"]
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "waits", WAITING), name="e3")["executionArn"]

    with pytest.raises(ClientError) as refused:
        sfn.redrive_execution(executionArn=arn)
    assert refused.value.response["Error"]["Code"] == "ExecutionNotRedrivable"
    sfn.stop_execution(executionArn=arn)
    assert closed(sfn, arn)["status"] == "ABORTED"


def test_an_unknown_execution_is_not_found(clients: dict[str, Any]) -> None:
    sfn = clients["stepfunctions"]
    missing = f"arn:aws:states:{REGION}:123456789012:execution:ledger-redrive:nobody"
    with pytest.raises(ClientError) as refused:
        sfn.redrive_execution(executionArn=missing)
    assert refused.value.response["Error"]["Code"] == "ExecutionDoesNotExist"


def test_the_restart_point_is_the_outermost_state_left_open() -> None:
    def entered(event_id: int, name: str, text: str) -> dict[str, Any]:
        return {
            "id": event_id,
            "type": "ParallelStateEntered",
            "stateEnteredEventDetails": {"name": name, "input": text},
        }

    def exited(event_id: int, name: str) -> dict[str, Any]:
        return {"id": event_id, "type": "PassStateExited", "stateExitedEventDetails": {"name": name}}

    events = [
        entered(2, "A", '{"a":1}'),
        exited(3, "A"),
        entered(4, "Fan", '{"b":2}'),
        entered(5, "Inner", '{"c":3}'),
        {"id": 6, "type": "ExecutionFailed"},
    ]
    assert restart_point(events) == ("Fan", '{"b":2}')
    assert restart_point([*events[:2], {"id": 4, "type": "ExecutionFailed"}]) == (None, None)
    # Redriven, the attempt failed again in Inner's sibling state: the last attempt's state counts.
    again = [
        *events,
        {"id": 7, "type": "ExecutionRedriven"},
        entered(8, "Fan", '{"b":3}'),
        {"id": 9, "type": "ExecutionFailed"},
    ]
    assert restart_point(again) == ("Fan", '{"b":3}')


def test_a_definition_parsed_once_still_gives_each_execution_its_own_program() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    aws_extensions.install()
    definition = json.dumps(LEDGER)
    first, tree = AmazonStateLanguageParser.parse(definition)
    second, same_tree = AmazonStateLanguageParser.parse(definition)
    assert same_tree is tree
    assert second is not first


def test_a_definition_with_a_syntax_error_is_refused_each_time() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser, ASLParserException

    aws_extensions.install()
    broken = json.dumps({"StartAt": "First", "States": {"First": {"Type": "Pass", "Nxt": "Gone"}}})
    for _ in range(2):
        with pytest.raises(ASLParserException):
            AmazonStateLanguageParser.parse(broken)


# ---------------------------------------------------------------------------------------------- SQS
def queues(sqs: Any, name: str) -> tuple[str, str, str]:
    """A FIFO queue and its dead-letter queue: (queue URL, dead-letter URL, dead-letter ARN)."""
    dead = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 1})
    url = sqs.create_queue(QueueName=f"{name}.fifo", Attributes={"FifoQueue": "true", "RedrivePolicy": policy})[
        "QueueUrl"
    ]
    return url, dead, dead_arn


def test_a_move_task_returns_dead_letters_to_their_queue_in_their_group(clients: dict[str, Any]) -> None:
    sqs = clients["sqs"]
    url, dead, dead_arn = queues(sqs, "inbound")
    for number in range(3):
        sqs.send_message(
            QueueUrl=dead, MessageBody=f"update {number}", MessageGroupId="chat-7", MessageDeduplicationId=f"d{number}"
        )

    assert sqs.start_message_move_task(SourceArn=dead_arn)["TaskHandle"]

    deadline = time.monotonic() + 10
    while (task := sqs.list_message_move_tasks(SourceArn=dead_arn)["Results"][0])["Status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"], task["ApproximateNumberOfMessagesToMove"]) == (
        "COMPLETED",
        3,
        3,
    )
    moved = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId"])["Messages"]
    assert [m["Body"] for m in moved] == ["update 0", "update 1", "update 2"]  # the group's order kept
    assert {m["Attributes"]["MessageGroupId"] for m in moved} == {"chat-7"}
    assert "Messages" not in sqs.receive_message(QueueUrl=dead, WaitTimeSeconds=0)


def test_a_move_task_needs_a_dead_letter_queue_that_exists(clients: dict[str, Any]) -> None:
    sqs = clients["sqs"]
    url, _, _ = queues(sqs, "other")
    url_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    with pytest.raises(ClientError) as not_a_dead_letter_queue:
        sqs.start_message_move_task(SourceArn=url_arn)
    assert not_a_dead_letter_queue.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as missing:
        sqs.start_message_move_task(SourceArn=url_arn.replace("other.fifo", "absent.fifo"))
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
