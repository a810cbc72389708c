"""The "My chats" list shows the chats in the order they were bound, a chat bound before times were kept first, whatever
order the table keeps them in (by messenger name)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from messenger_bank.customers.bindings import list_chats
from messenger_bank.customers.models import ChannelIdentity, Customer, ListChatsRequest
from messenger_bank.customers.repository import CustomersRepository
from tests.support.aws import create_table

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
TELEGRAM = ChannelIdentity(channel="telegram", user_id="t-1", chat_id="t-1")
VIBER = ChannelIdentity(channel="viber", user_id="v-1", chat_id="v-1")
WHATSAPP = ChannelIdentity(channel="whatsapp", user_id="375291112233", chat_id="375291112233")


@pytest.fixture
def customers(monkeypatch: pytest.MonkeyPatch) -> Iterator[CustomersRepository]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        repository = CustomersRepository(boto3.resource("dynamodb").Table(name))
        customer = Customer(
            customer_id="c_1",
            bank_customer_id="BANK-1",
            phone="+375291112233",
            language="en",
            referral_code="REF23456",
            created_at=AT,
        )
        repository.create(customer, TELEGRAM)  # bound at AT
        yield repository


def listed(customers: CustomersRepository) -> list[str]:
    request = ListChatsRequest(customer_id="c_1", chat_key="telegram:t-1", language="en")
    return [item.messenger for item in list_chats(request, repository=customers).items]


def test_chats_are_listed_in_the_order_they_were_bound_not_by_messenger(customers: CustomersRepository) -> None:
    customers.link_identity("c_1", WHATSAPP, AT + timedelta(hours=1))
    customers.link_identity("c_1", VIBER, AT + timedelta(hours=2))

    assert listed(customers) == ["Telegram", "WhatsApp", "Viber"]


def test_a_chat_bound_before_times_were_kept_is_listed_first(customers: CustomersRepository) -> None:
    customers.link_identity("c_1", VIBER, AT + timedelta(hours=1))
    customers.table.update_item(
        Key={"pk": "CUSTOMER#c_1", "sk": f"IDENTITY#{VIBER.key}"}, UpdateExpression="REMOVE binding_id, bound_at"
    )

    assert listed(customers) == ["Viber", "Telegram"]
