"""The `world` fixture: the hand-off's tables on moto for the case."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from messenger_bank.handoff.repository import HandoffsRepository
from messenger_bank.notices.windows import WindowsRepository
from tests.support.aws import create_table
from tests.unit.handoff.world import World


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        client, resource = boto3.client("dynamodb"), boto3.resource("dynamodb")
        yield World(
            HandoffsRepository(resource.Table(create_table(client, "HandoffsTable"))),
            WindowsRepository(resource.Table(create_table(client, "CustomersTable"))),
        )
