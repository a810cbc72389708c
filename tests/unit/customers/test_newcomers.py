"""Onboarding never binds a chat to a customer who exists: the phone or the person being known already
ends the application (AlreadyCustomer: sign in instead), and the phone must have been proven in the
applying chat (the messenger's own word where it can give one, else a checked one-time code)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.customers.models import ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import find_or_create, phone_taken, register_newcomer
from messenger_bank.errors import AlreadyCustomer
from messenger_bank.onboarding import service as onboarding
from messenger_bank.onboarding.models import ApplicationForm, IssuanceState
from messenger_bank.security.errors import PhoneNotProven
from messenger_bank.tables import customers_table
from tests.support.aws import atomic_dynamodb_writes, create_table

VICTIM_PHONE = "+375291234567"


@pytest.fixture
def customers(monkeypatch: pytest.MonkeyPatch) -> Iterator[CustomersRepository]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws(), atomic_dynamodb_writes():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        monkeypatch.setenv("CUSTOMERS_TABLE", name)
        key = boto3.client("kms").create_key(Description="personal data")["KeyMetadata"]["KeyId"]
        monkeypatch.setenv("PERSONAL_DATA_KEY_ID", key)
        customers_table.cache_clear()
        yield CustomersRepository(boto3.resource("dynamodb").Table(name))
    customers_table.cache_clear()


def newcomer(
    channel: str = "viber", user_id: str = "attacker", bank_id: str = "BANK-2", phone: str = VICTIM_PHONE
) -> NewCustomer:
    return NewCustomer(
        bank_customer_id=bank_id,
        phone=phone,
        language="ru",
        identity=ChannelIdentity(channel=channel, user_id=user_id, chat_id=user_id),  # type: ignore[arg-type]
    )


def victim(customers: CustomersRepository) -> str:
    return find_or_create(newcomer("telegram", "victim", "BANK-1"), repository=customers).customer.customer_id


# ---------------------------------------------------------------- register_newcomer
def test_a_newcomer_with_an_unknown_phone_and_person_becomes_a_customer(customers: CustomersRepository) -> None:
    link = register_newcomer(newcomer(), repository=customers)

    assert link.created and customers.by_identity("viber#attacker") == link.customer


def test_an_existing_customers_phone_binds_nothing(customers: CustomersRepository) -> None:
    victim_id = victim(customers)

    with pytest.raises(AlreadyCustomer):
        register_newcomer(newcomer(), repository=customers)  # the attacker's own person, the victim's phone

    assert customers.by_identity("viber#attacker") is None
    assert customers.by_phone(VICTIM_PHONE) is not None and customers.by_phone(VICTIM_PHONE).customer_id == victim_id  # type: ignore[union-attr]


def test_an_existing_bank_customer_binds_nothing(customers: CustomersRepository) -> None:
    victim(customers)

    with pytest.raises(AlreadyCustomer):
        register_newcomer(newcomer(bank_id="BANK-1", phone="+375290000000"), repository=customers)

    assert customers.by_identity("viber#attacker") is None


def test_a_retried_step_finds_the_applying_chats_own_customer(customers: CustomersRepository) -> None:
    first = register_newcomer(newcomer(), repository=customers)

    again = register_newcomer(newcomer(), repository=customers)

    assert not again.created and again.customer.customer_id == first.customer.customer_id


def test_two_chats_applying_with_one_phone_at_once_bind_only_one(customers: CustomersRepository) -> None:
    def apply(n: int) -> str:
        try:
            return register_newcomer(
                newcomer(user_id=f"chat-{n}", bank_id=f"BANK-{n}"), repository=customers
            ).customer.customer_id
        except AlreadyCustomer:
            return "refused"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(apply, range(4)))

    assert sorted(outcomes).count("refused") == 3
    assert sum(customers.by_identity(f"viber#chat-{n}") is not None for n in range(4)) == 1


def test_a_phone_is_taken_when_it_is_another_customers(customers: CustomersRepository) -> None:
    victim(customers)

    assert phone_taken(VICTIM_PHONE, newcomer().identity, repository=customers)
    assert not phone_taken(VICTIM_PHONE, newcomer("telegram", "victim").identity, repository=customers)
    assert not phone_taken("+375290000000", newcomer().identity, repository=customers)


# ---------------------------------------------------------------- the application's phone
def form(**changes: Any) -> ApplicationForm:
    fields: dict[str, Any] = {
        "chat_key": "viber:attacker",
        "channel": "viber",
        "user_id": "attacker",
        "language": "ru",
        "phone": VICTIM_PHONE,
        "phone_verified": False,
        "full_name": "Каваленка Алеся Іванаўна",
        "date_of_birth": date(1990, 3, 5),
        "passport_number": "MP1234567",
        "personal_id": "4050390A001PB5",
    }
    return ApplicationForm.model_validate({**fields, **changes})


@pytest.mark.parametrize(
    "changes",
    [
        {"phone_verified": True},  # a Viber contact claimed as proof
        {"channel": "messenger", "chat_key": "messenger:attacker", "phone_verified": True},
        {"channel": "whatsapp", "chat_key": "whatsapp:375290000000", "phone_verified": True},  # not the chat's number
        {},  # typed (or an unproven contact) and no code checked
    ],
)
def test_an_application_with_an_unproven_phone_is_refused(
    customers: CustomersRepository, changes: dict[str, Any]
) -> None:
    with pytest.raises(PhoneNotProven):
        onboarding.save_application(form(**changes))


def test_an_application_whose_phone_a_code_proved_in_another_chat_is_refused(customers: CustomersRepository) -> None:
    customers.record_proven_phone("viber:someone-else", VICTIM_PHONE, int(time.time()) + 600)

    with pytest.raises(PhoneNotProven):
        onboarding.save_application(form())


@pytest.mark.parametrize(
    "changes",
    [
        {"channel": "telegram", "chat_key": "telegram:777", "user_id": "777", "phone_verified": True},
        {"channel": "whatsapp", "chat_key": "whatsapp:375291234567", "user_id": "375291234567", "phone_verified": True},
    ],
)
def test_an_application_the_messenger_vouches_for_is_saved(
    customers: CustomersRepository, changes: dict[str, Any]
) -> None:
    assert onboarding.save_application(form(**changes)).application_id.startswith("app-")


def test_an_application_whose_phone_a_code_proved_here_is_saved(customers: CustomersRepository) -> None:
    customers.record_proven_phone("viber:attacker", VICTIM_PHONE, int(time.time()) + 600)

    assert onboarding.save_application(form()).application_id.startswith("app-")


def test_the_journey_refuses_an_applicant_whose_phone_is_a_customers(
    customers: CustomersRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim(customers)
    customers.record_proven_phone("viber:attacker", VICTIM_PHONE, int(time.time()) + 600)
    saved = onboarding.save_application(form())
    monkeypatch.setattr(onboarding.bank, "verify_identity", lambda person: None)
    monkeypatch.setattr(onboarding.bank, "screen_customer", lambda person: None)  # a new person to the bank

    with pytest.raises(AlreadyCustomer):
        onboarding.verify_applicant(IssuanceState(application_id=saved.application_id, chat_key="viber:attacker"))

    assert customers.by_identity("viber#attacker") is None
