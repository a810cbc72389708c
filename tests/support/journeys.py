"""A state machine on moto for the journeys' service (messenger_bank/journeys/service.py), named where its settings
read it: executions stay as the test leaves them, whatever a local cloud in the same worker set moto to do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.journeys import service as journeys
from messenger_bank.journeys.settings import journey_settings


@contextmanager
def machine_on_moto(
    monkeypatch: pytest.MonkeyPatch, variable: str, name: str, definition: str
) -> Iterator[tuple[Any, str]]:
    """(the Step Functions client, the machine's ARN), the ARN set in the environment `variable`."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws(config={"stepfunctions": {"execute_state_machine": False}}):
        sfn = boto3.client("stepfunctions")
        arn = sfn.create_state_machine(name=name, definition=definition, roleArn="arn:aws:iam::123456789012:role/sfn")[
            "stateMachineArn"
        ]
        monkeypatch.setenv(variable, arn)
        journey_settings.cache_clear()
        journeys._sfn.cache_clear()
        try:
            yield sfn, arn
        finally:
            journey_settings.cache_clear()
            journeys._sfn.cache_clear()
