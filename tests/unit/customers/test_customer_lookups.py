"""The customers context's lookups other contexts call: each finds the one customer (or chat, card, proof) asked for
and no other, and a chat's proven phone is forgotten when asked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from messenger_bank.customers.models import Card, ChannelIdentity, Customer, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import (
    authenticated_at,
    card_owner,
    customer_by_bank_id,
    customer_by_phone,
    customer_by_referral_code,
    customer_or_none,
    find_or_create,
    forget_proven_phone,
    identities_of,
    proven_phone,
    record_authentication,
    record_card,
    record_proven_phone,
)

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
ALICE_CHAT = ChannelIdentity(channel="telegram", user_id="t-1", chat_id="t-1")
BOB_CHAT = ChannelIdentity(channel="viber", user_id="v-2", chat_id="v-2")


def person(customers: CustomersRepository, bank_id: str, phone: str, chat: ChannelIdentity) -> Customer:
    new = NewCustomer(bank_customer_id=bank_id, phone=phone, language="ru", identity=chat)
    return find_or_create(new, repository=customers).customer


@pytest.fixture
def alice_and_bob(customers: CustomersRepository) -> tuple[Customer, Customer]:
    return (
        person(customers, "BANK-A", "+375291111111", ALICE_CHAT),
        person(customers, "BANK-B", "+375292222222", BOB_CHAT),
    )


def test_each_lookup_finds_the_customer_asked_for(
    customers: CustomersRepository, alice_and_bob: tuple[Customer, Customer]
) -> None:
    alice, bob = alice_and_bob

    assert customer_or_none(bob.customer_id, repository=customers) == bob
    assert customer_by_phone("+375292222222", repository=customers) == bob
    assert customer_by_bank_id("BANK-B", repository=customers) == bob
    assert customer_by_referral_code(bob.referral_code, repository=customers) == bob
    assert identities_of(bob.customer_id, repository=customers) == [BOB_CHAT]
    assert customer_or_none(alice.customer_id, repository=customers) == alice


@pytest.mark.parametrize(
    "lookup",
    [
        pytest.param(lambda r: customer_or_none("c_nobody", repository=r), id="an unknown customer id"),
        pytest.param(lambda r: customer_by_phone("+375293333333", repository=r), id="an unknown phone"),
        pytest.param(lambda r: customer_by_bank_id("BANK-C", repository=r), id="an unknown bank customer"),
        pytest.param(lambda r: customer_by_referral_code("ZZZZZZZZ", repository=r), id="an unknown referral code"),
    ],
)
def test_a_lookup_of_someone_unknown_finds_nobody(
    customers: CustomersRepository, alice_and_bob: tuple[Customer, Customer], lookup: object
) -> None:
    assert lookup(customers) is None  # type: ignore[operator]


def test_a_card_belongs_to_the_customer_it_was_recorded_for(
    customers: CustomersRepository, alice_and_bob: tuple[Customer, Customer]
) -> None:
    alice, bob = alice_and_bob
    for owner, card_id in ((alice, "card-a"), (bob, "card-b")):
        card = Card(
            card_id=card_id, customer_id=owner.customer_id, mask="411111******1111", expiry="11/29", issued_at=AT
        )
        record_card(card, repository=customers)

    assert card_owner("card-b", repository=customers) == bob.customer_id
    assert card_owner("card-a", repository=customers) == alice.customer_id
    assert card_owner("card-c", repository=customers) is None


def test_a_proof_of_a_card_is_the_customers_in_that_chat_only(
    customers: CustomersRepository, alice_and_bob: tuple[Customer, Customer]
) -> None:
    alice, bob = alice_and_bob
    record_authentication(bob.customer_id, "binding-b", AT, repository=customers)

    assert authenticated_at(bob.customer_id, "binding-b", repository=customers) == AT
    assert authenticated_at(bob.customer_id, "binding-a", repository=customers) is None
    assert authenticated_at(alice.customer_id, "binding-b", repository=customers) is None


def test_a_proven_phone_is_the_chats_until_forgotten(customers: CustomersRepository) -> None:
    record_proven_phone("telegram:t-1", "+375291111111", 2_000, repository=customers)
    record_proven_phone("viber:v-2", "+375292222222", 2_000, repository=customers)

    assert proven_phone("telegram:t-1", 1_000, repository=customers) == "+375291111111"
    forget_proven_phone("telegram:t-1", repository=customers)
    assert proven_phone("telegram:t-1", 1_000, repository=customers) is None
    assert proven_phone("viber:v-2", 1_000, repository=customers) == "+375292222222"
