"""What the customers context's tests share: the customers table on moto, as the repository sees it."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from messenger_bank.customers.repository import CustomersRepository
from tests.support.aws import create_table


@pytest.fixture
def customers(monkeypatch: pytest.MonkeyPatch) -> Iterator[CustomersRepository]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        yield CustomersRepository(boto3.resource("dynamodb").Table(name))
