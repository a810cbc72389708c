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
from messenger_bank.customers.service import (
    cards_of,
    customer_by_id,
    customer_for_identity,
    customer_id_for,
    find_or_create,
    record_card,
    referral_code_for,
)
from messenger_bank.errors import CustomerNotFound
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


# --- each way of recognising a person on its own: one of identity, bank id or phone the same ---------------------
@pytest.mark.parametrize(
    "again",
    [
        pytest.param({"bank_id": "BANK-2", "phone": "+375441112233"}, id="the same messenger account"),
        pytest.param({"user_id": "222", "phone": "+375441112233"}, id="the same bank customer"),
        pytest.param({"user_id": "222", "bank_id": "BANK-2"}, id="the same phone"),
    ],
)
def test_a_person_recognised_by_one_key_is_not_created_again(
    customers: CustomersRepository, again: dict[str, str]
) -> None:
    first = find_or_create(applicant(), repository=customers)

    second = find_or_create(applicant(**again), repository=customers)

    assert (second.customer.customer_id, second.created) == (first.customer.customer_id, False)


def test_a_new_person_differs_in_identity_bank_id_and_phone(customers: CustomersRepository) -> None:
    first = find_or_create(applicant(), repository=customers)

    second = find_or_create(applicant(user_id="222", bank_id="BANK-2", phone="+375441112233"), repository=customers)

    assert second.created is True and second.customer.customer_id != first.customer.customer_id


def test_an_unknown_referral_code_refers_nobody(customers: CustomersRepository) -> None:
    assert find_or_create(applicant(referral="NOSUCH22"), repository=customers).customer.referred_by is None


def test_a_customer_who_is_not_there_is_not_found(customers: CustomersRepository) -> None:
    with pytest.raises(CustomerNotFound):
        customer_by_id("c_nobody", repository=customers)


def test_customer_ids_and_referral_codes_derive_from_the_bank_id_and_differ_between_people() -> None:
    assert customer_id_for("BANK-1") == customer_id_for("BANK-1") != customer_id_for("BANK-2")
    codes = {referral_code_for(customer_id_for(f"BANK-{n}")) for n in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 8 and not set(code) & set("01IO") for code in codes)


def test_a_customers_cards_are_theirs_alone(customers: CustomersRepository) -> None:
    owner = find_or_create(applicant(), repository=customers).customer
    other = find_or_create(applicant(user_id="222", bank_id="BANK-2", phone="+375441112233"), repository=customers)
    record_card(
        Card(card_id="card-1", customer_id=owner.customer_id, mask="411111******1111", expiry="11/29",
             issued_at=datetime.now(UTC)),
        repository=customers,
    )  # fmt: skip

    assert cards_of(other.customer.customer_id, repository=customers) == []
    assert customers.card_owner("card-2") is None


def test_a_proof_of_a_card_or_password_belongs_to_the_chat_that_gave_it(customers: CustomersRepository) -> None:
    customer = find_or_create(applicant(), repository=customers).customer
    at = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)

    customers.record_authentication(customer.customer_id, "chat-a", at)

    assert customers.authenticated_at(customer.customer_id, "chat-a") == at
    assert customers.authenticated_at(customer.customer_id, "chat-b") is None


@pytest.mark.parametrize(("now", "proven"), [(1000, True), (1001, False)], ids=["until its end", "a second later"])
def test_a_proven_phone_counts_until_its_end(customers: CustomersRepository, now: int, proven: bool) -> None:
    customers.record_proven_phone("telegram:1", "+375291234567", until=1000)

    assert (customers.proven_phone("telegram:1", now) == "+375291234567") is proven
    assert customers.proven_phone("telegram:2", 0) is None
