"""Reads that follow the bank's own write at once must see it: a chat's proof of a card, a phone it has just proved,
the chats a customer has just bound. DynamoDB says an eventually consistent read "might not reflect the results of a
recently completed write"; moto always reads the latest, so the table here keeps a replica that has not caught up,
which every read that does not ask for a consistent one gets (as a real replica may)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.customers.models import ChannelIdentity, Customer
from messenger_bank.customers.repository import CustomersRepository
from tests.support.aws import create_table

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
TELEGRAM = ChannelIdentity(channel="telegram", user_id="t-1", chat_id="t-1")
VIBER = ChannelIdentity(channel="viber", user_id="v-1", chat_id="v-1")


class LaggingTable:
    """The customers table whose replica missed every write so far: a consistent read sees the writes, any other
    read sees the replica (empty). Writes and everything else go to the table itself."""

    def __init__(self, table: Any, replica: Any) -> None:
        self._table = table
        self._replica = replica

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def get_item(self, **request: Any) -> Any:
        return (self._table if request.get("ConsistentRead") is True else self._replica).get_item(**request)

    def query(self, **request: Any) -> Any:
        return (self._table if request.get("ConsistentRead") is True else self._replica).query(**request)


@pytest.fixture
def customers(monkeypatch: pytest.MonkeyPatch) -> Iterator[CustomersRepository]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        client = boto3.client("dynamodb")
        name = create_table(client, "CustomersTable")
        replica = create_table(client, "CustomersTable", name="CustomersTableReplica")
        dynamodb = boto3.resource("dynamodb")
        yield CustomersRepository(LaggingTable(dynamodb.Table(name), dynamodb.Table(replica)))


def a_customer(customers: CustomersRepository) -> Customer:
    customer = Customer(
        customer_id="c_1",
        bank_customer_id="BANK-1",
        phone="+375291112233",
        language="ru",
        referral_code="REF23456",
        created_at=AT,
    )
    customers.create(customer, TELEGRAM)
    return customer


def test_a_proof_of_a_card_is_seen_right_after_it_is_recorded(customers: CustomersRepository) -> None:
    customers.record_authentication("c_1", "binding-1", AT)

    assert customers.authenticated_at("c_1", "binding-1") == AT


def test_a_phone_proved_a_moment_ago_is_seen_at_once(customers: CustomersRepository) -> None:
    customers.record_proven_phone("telegram:t-1", "+375291112233", until=2_000)

    assert customers.proven_phone("telegram:t-1", now=1_000) == "+375291112233"


def test_a_chat_bound_a_moment_ago_is_among_the_customers_chats_at_once(customers: CustomersRepository) -> None:
    customer = a_customer(customers)
    viber = customers.link_identity(customer.customer_id, VIBER, AT)

    assert viber is not None
    assert {b.binding_id for b in customers.bindings(customer.customer_id)} >= {viber.binding_id}
    assert sorted(i.key for i in customers.identities(customer.customer_id)) == [TELEGRAM.key, VIBER.key]
