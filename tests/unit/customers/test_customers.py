"""One person, one customer: whatever messenger they come from and however often they apply."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from messenger_bank.customers.models import Card, ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import cards_of, customer_for_identity, find_or_create, record_card
from tests.support.aws import atomic_dynamodb_writes, create_table


@pytest.fixture
def customers(monkeypatch: pytest.MonkeyPatch) -> Iterator[CustomersRepository]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws(), atomic_dynamodb_writes():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        yield CustomersRepository(boto3.resource("dynamodb").Table(name))


def applicant(channel: str = "telegram", user_id: str = "111", bank_id: str = "BANK-1", **extra: str) -> NewCustomer:
    return NewCustomer(
        bank_customer_id=bank_id,
        phone=extra.get("phone", "+375291234567"),
        language="ru",
        identity=ChannelIdentity(channel=channel, user_id=user_id, chat_id=user_id),  # type: ignore[arg-type]
        referred_by_code=extra.get("referral"),
    )


def test_a_new_person_becomes_a_customer_reachable_by_identity_phone_and_code(customers: CustomersRepository) -> None:
    link = find_or_create(applicant(), repository=customers)

    assert link.created is True
    customer = link.customer
    assert customers.by_phone("+375291234567") == customer
    assert customers.by_referral_code(customer.referral_code) == customer
    assert (
        customer_for_identity(ChannelIdentity(channel="telegram", user_id="111", chat_id="111"), repository=customers)
        == customer
    )


def test_the_same_person_from_a_second_messenger_is_linked_not_created_again(customers: CustomersRepository) -> None:
    first = find_or_create(applicant(), repository=customers)

    second = find_or_create(applicant(channel="whatsapp", user_id="375291234567"), repository=customers)

    assert second.created is False
    assert second.customer.customer_id == first.customer.customer_id
    assert {i.channel for i in customers.identities(first.customer.customer_id)} == {"telegram", "whatsapp"}


def test_two_simultaneous_applications_of_one_person_end_as_one_customer(customers: CustomersRepository) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        links = list(pool.map(lambda n: find_or_create(applicant(user_id=str(n)), repository=customers), range(4)))

    assert len({link.customer.customer_id for link in links}) == 1
    assert sum(link.created for link in links) == 1


def test_a_referral_code_attributes_the_newcomer_to_its_owner(customers: CustomersRepository) -> None:
    referrer = find_or_create(applicant(), repository=customers).customer

    newcomer = find_or_create(
        applicant(user_id="222", bank_id="BANK-2", phone="+375441112233", referral=referrer.referral_code),
        repository=customers,
    ).customer

    assert newcomer.referred_by == referrer.customer_id


def test_cards_are_kept_as_masks_and_their_owner_is_known(customers: CustomersRepository) -> None:
    customer = find_or_create(applicant(), repository=customers).customer
    card = Card(
        card_id="card-1",
        customer_id=customer.customer_id,
        mask="4111 11** **** 1111",
        expiry="11/29",
        issued_at=datetime.now(UTC),
    )

    record_card(card, repository=customers)

    assert cards_of(customer.customer_id, repository=customers) == [card]
    assert customers.card_owner("card-1") == customer.customer_id
