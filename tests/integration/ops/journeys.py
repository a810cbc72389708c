"""A moto server of our own with two small state machines and three finished executions, for the
operations view's tests (the integration ones here and the browser test in tests/e2e).

Pass / Wait / Choice / Fail states need no Lambda; the retrying machine calls a function that does not
exist, which gives a real history of three TaskScheduled → TaskFailed attempts in one state."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3

from local.ports import free_port

REGION = "eu-north-1"  # a region of its own: moto's backends are per process, shared with other tests
ROLE = "arn:aws:iam::123456789012:role/ops-view-test"
PAN = "4111111111111111"  # Luhn-valid test card number
PAN_IN_TEXT = "5500 0000 0000 0004"  # another, grouped, inside free text
PASSPORT = "MP1234567"

CARD_ISSUANCE = {
    "Comment": "Card issuance, reduced to states that need no Lambda.",
    "StartAt": "VerifyApplicant",
    "States": {
        "VerifyApplicant": {
            "Type": "Pass",
            "Result": {"verified": True},
            "ResultPath": "$.verification",
            "Next": "WaitForBank",
        },
        "WaitForBank": {"Type": "Wait", "Seconds": 1, "Next": "Decide"},
        "Decide": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.outcome", "StringEquals": "reject", "Next": "CardNotIssued"}],
            "Default": "TellCustomerCardIssued",
        },
        "CardNotIssued": {"Type": "Fail", "Error": "ApplicationRejected", "Cause": "Cerberus refused the applicant"},
        "TellCustomerCardIssued": {"Type": "Pass", "End": True},
    },
}

BANK_CALL = {
    "Comment": "A bank call that fails every time: retried twice, then the execution fails.",
    "StartAt": "CallBank",
    "States": {
        "CallBank": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": f"arn:aws:lambda:{REGION}:123456789012:function:absent", "Payload.$": "$"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}],
            "End": True,
        }
    },
}


def chat(chat_id: str) -> dict[str, str]:
    return {"channel": "telegram", "chat_id": chat_id}


SUCCEEDING_INPUT = {
    "application_id": "app-0001",
    "chat": chat("100000001"),
    "language": "en",
    "customer_ref": "CUST-0001",
    "outcome": "issue",
}
FAILING_INPUT = {
    "application_id": "app-0002",
    "chat": chat("100000002"),
    "language": "ru",
    "customer_ref": "CUST-0002",
    "outcome": "reject",
    "pan": PAN,
    "passport": PASSPORT,
    "note": f"customer typed {PAN_IN_TEXT} in the chat",
}
RETRYING_INPUT = {
    "application_id": "app-0003",
    "chat": chat("100000003"),
    "language": "be",
    "customer_ref": "CUST-0003",
}


@dataclass(frozen=True)
class Journeys:
    endpoint: str
    region: str
    succeeded: str  # execution ARNs
    failed: str
    retried: str


def sfn_client(endpoint: str, region: str = REGION) -> Any:
    return boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@contextmanager
def moto_server() -> Iterator[str]:
    port = free_port()
    previous = os.environ.get("MOTO_PORT")
    os.environ["MOTO_PORT"] = str(port)  # Step Functions in moto calls Lambda at localhost:$MOTO_PORT
    from moto.core.config import default_user_config
    from moto.server import ThreadedMotoServer

    default_user_config["stepfunctions"]["execute_state_machine"] = True
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        if previous is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = previous


def _wait_closed(sfn: Any, arns: list[str], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(sfn.describe_execution(executionArn=arn)["status"] != "RUNNING" for arn in arns):
            return
        time.sleep(0.2)
    raise TimeoutError("executions still running")


def run_journeys(endpoint: str, region: str = REGION) -> Journeys:
    """Create the machines (names unique per call) in `region` and run them to their end."""
    sfn = sfn_client(endpoint, region)
    suffix = str(time.monotonic_ns())[-6:]

    def machine(name: str, definition: dict[str, Any]) -> str:
        arn: str = sfn.create_state_machine(name=f"{name}-{suffix}", definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
        return arn

    bank_call = json.loads(json.dumps(BANK_CALL).replace(f":{REGION}:", f":{region}:"))
    issuance, bank = machine("card-issuance", CARD_ISSUANCE), machine("bank-call", bank_call)

    def start(machine_arn: str, name: str, execution_input: dict[str, Any]) -> str:
        arn: str = sfn.start_execution(
            stateMachineArn=machine_arn, name=f"{name}-{suffix}", input=json.dumps(execution_input)
        )["executionArn"]
        return arn

    succeeded = start(issuance, "app-0001-card", SUCCEEDING_INPUT)
    time.sleep(0.05)  # distinct start times: the newest-first order is checked
    failed = start(issuance, "app-0002-card", FAILING_INPUT)
    retried = start(bank, "app-0003-bank", RETRYING_INPUT)
    _wait_closed(sfn, [succeeded, failed, retried])
    return Journeys(endpoint=endpoint, region=region, succeeded=succeeded, failed=failed, retried=retried)


def write_logs(logs_dir: Any, journeys: Journeys) -> None:
    """Function log files as the local cloud writes them: Powertools JSON lines and a plain one."""
    failed_name = journeys.failed.rsplit(":", 1)[-1]
    lines = {
        "verify_applicant.log": [
            {
                "level": "INFO",
                "message": "verifying applicant",
                "timestamp": "2026-01-01T10:00:00.100Z",
                "correlation_id": failed_name,
                "service": "verify_applicant",
            },
            {
                "level": "WARNING",
                "message": f"card {PAN} seen in a message",
                "timestamp": "2026-01-01T10:00:00.200Z",
                "correlation_id": failed_name,
                "full_name": "Ivan Petrov",
            },
            {
                "level": "INFO",
                "message": "someone else",
                "timestamp": "2026-01-01T10:00:00.300Z",
                "correlation_id": "unrelated-turn-000",
            },
        ],
        "conversation.log": [
            {
                "level": "INFO",
                "message": "journey started for app-0002",
                "timestamp": "2026-01-01T09:59:59.900Z",
                "correlation_id": "turn-abcdef",
            },
        ],
    }
    for file_name, records in lines.items():
        (logs_dir / file_name).write_text("\n".join(json.dumps(r) for r in records) + "\nSTART plain line\n")
