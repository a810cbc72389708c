"""Starting journeys and completing the waits they park on task tokens.

A journey is found by name: `card_issuance` runs the state machine in CARD_ISSUANCE_STATE_MACHINE_ARN.
Execution names are chosen by the caller and derived from the conversation, so a replayed start is
refused by Step Functions (ExecutionAlreadyExists) and counted as started: a journey runs once.

A state that needs the customer again (a confirmation, a code) parks its task token in the
JOURNEY_WAITS_TABLE under `<execution name>:<task>`; the conversation completes it by that reference,
once (a conditional delete), so a double press cannot complete it twice.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from functools import cache
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from messenger_bank.handlers import CORRELATION_KEY
from messenger_bank.journeys.settings import journey_settings
from messenger_bank.observability import logger

WAIT_SECONDS = 24 * 3600
# An idle execution environment is kept minutes (Lambda reclaims it after some minutes idle, rarely under five):
# waking a journey's functions more often buys nothing, and a warm-up that meets a busy function starts another.
PREPARE_EVERY_S = 300.0
_prepared: dict[str, float] = {}  # journey → when this container last woke its functions (monotonic)


class WaitNotFound(Exception):
    """No journey is waiting under that reference (already completed, expired, or never parked)."""


@cache
def _sfn() -> Any:
    return boto3.client("stepfunctions")


@cache
def _waits() -> Any:
    return boto3.resource("dynamodb").Table(journey_settings().journey_waits_table)


def state_machine_arn(journey: str) -> str:
    return journey_settings().state_machine_arn(journey)


def execution_name(name: str) -> str:
    """Step Functions allows 80 characters of letters, digits, '-' and '_'."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)[:80]


def execution_arn(journey: str, name: str) -> str:
    """The ARN of `journey`'s execution called `name` (as `start` names it), started or not."""
    return f"{state_machine_arn(journey).replace(':stateMachine:', ':execution:')}:{execution_name(name)}"


def start(journey: str, name: str, payload: dict[str, Any]) -> str:
    arn = state_machine_arn(journey)
    try:
        execution = _sfn().start_execution(stateMachineArn=arn, name=execution_name(name), input=json.dumps(payload))
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
            raise
        logger.info("journey already started", extra={"journey": journey, "execution": name})
        return execution_arn(journey, name)
    logger.info("journey started", extra={"journey": journey, "execution": name})
    return str(execution["executionArn"])


def prepare(journey: str) -> None:
    """Wake `journey`'s functions by starting its warm-up machine (e.g. card_issuance_warm_up.asl.yaml), which
    invokes each with the warm-up event: their cold starts pass while the customer is still typing. At most once
    every five minutes per container, whatever the number of chats asking; a refusal only leaves them cold."""
    arn = journey_settings().warm_up_arn(journey)
    now = time.monotonic()
    if not arn or now - _prepared.get(journey, -PREPARE_EVERY_S) < PREPARE_EVERY_S:
        return
    _prepared[journey] = now
    try:
        _sfn().start_execution(
            stateMachineArn=arn,
            # Named here: AWS would name it, but the local cloud's moto names every unnamed execution "None".
            name=f"{journey}-{uuid.uuid4().hex}",
            input=json.dumps({CORRELATION_KEY: logger.get_correlation_id()}),
        )
    except (ClientError, BotoCoreError) as error:
        logger.warning("journey not prepared", extra={"journey": journey, "reason": type(error).__name__})
        return
    logger.info("journey prepared", extra={"journey": journey})


def park(reference: str, task_token: str, *, chat_key: str) -> None:
    """Keep a journey's task token until the customer answers."""
    _waits().put_item(
        Item={
            "ref": reference,
            "task_token": task_token,
            "chat_key": chat_key,
            "expires_at": int(time.time()) + WAIT_SECONDS,
        }
    )


def complete(reference: str, outcome: dict[str, Any]) -> None:
    """Resume the journey waiting under `reference` with `outcome`, exactly once."""
    try:
        item = _waits().delete_item(
            Key={"ref": reference},
            ConditionExpression="attribute_exists(#r)",
            ExpressionAttributeNames={"#r": "ref"},
            ReturnValues="ALL_OLD",
        )["Attributes"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise WaitNotFound(reference) from exc
        raise
    # The journey goes on under the id of what resumed it (a customer's Confirm: see transfer.asl.yaml).
    correlation_id = logger.get_correlation_id()
    output = {**outcome, CORRELATION_KEY: correlation_id} if correlation_id else outcome
    try:
        _sfn().send_task_success(taskToken=item["task_token"], output=json.dumps(output))
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}:
            raise WaitNotFound(reference) from exc
        raise


def running(reference: str) -> bool:
    """True while the journey of a wait reference ("<execution name>:<task>") has not ended: its wait may
    still come (a slow start parks it late) or has just been left on the way to its end."""
    name = reference.rpartition(":")[0]
    journey = name.partition("-")[0]  # execution names are "<journey>-<run>-<count>" (conversation engine)
    try:
        status = _sfn().describe_execution(executionArn=execution_arn(journey, name))["status"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ExecutionDoesNotExist":
            return False
        raise
    return str(status) == "RUNNING"
