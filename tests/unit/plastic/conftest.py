"""Fakes for the plastic card steps: a bank that orders once per idempotency key, the journey waits in
memory (completed at most once, as the conditional delete does); addresses and orders live in a moto
customers table built from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.banking.models.core import OrderPlasticRequest, PlasticOrder
from messenger_bank.customers.models import Card
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.journeys.service import WaitNotFound
from messenger_bank.plastic.repository import PlasticRepository
from tests.support.aws import create_table

CUSTOMER = "cus-1"
CARD = "card-1"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@dataclass
class FakeCore:
    orders: dict[str, PlasticOrder] = field(default_factory=dict)
    requests: list[OrderPlasticRequest] = field(default_factory=list)

    def order_plastic(self, request: OrderPlasticRequest) -> PlasticOrder:
        self.requests.append(request)
        if request.idempotency_key not in self.orders:
            self.orders[request.idempotency_key] = PlasticOrder.model_validate(
                {
                    "id": f"ord_{len(self.orders) + 1}",
                    "card_id": request.card_id,
                    "status": "ordered",
                    "updated_at": NOW,
                }
            )
        return self.orders[request.idempotency_key]


@dataclass
class FakeWaits:
    """journeys.park / journeys.complete: a token parked under a reference, completed at most once."""

    parked: dict[str, str] = field(default_factory=dict)
    resumed: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def park(self, reference: str, task_token: str, *, chat_key: str) -> None:
        self.parked[reference] = task_token

    def complete(self, reference: str, outcome: dict[str, Any]) -> None:
        if reference not in self.parked:
            raise WaitNotFound(reference)
        self.resumed.append((reference, self.parked.pop(reference), outcome))


@dataclass
class World:
    plastic: PlasticRepository
    customers: CustomersRepository
    core: FakeCore
    waits: FakeWaits


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        table = boto3.resource("dynamodb").Table(name)
        customers = CustomersRepository(table)
        customers.put_card(
            Card(card_id=CARD, customer_id=CUSTOMER, mask="400011******0001", expiry="03/31", issued_at=NOW)
        )
        yield World(PlasticRepository(table), customers, FakeCore(), FakeWaits())
