"""The customers table in moto (built from template.yaml), the programs document, and fakes for the
bank's ledger and the partners' APIs."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from messenger_bank.customers.models import ChannelIdentity, Customer, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import find_or_create
from messenger_bank.errors import BankSystemUnavailable
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.settings import DEFAULT_PROGRAMS_FILE
from messenger_bank.programs.terms import Programs, load_programs
from messenger_bank.types import Channel
from tests.support.aws import atomic_dynamodb_writes, create_table


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws(), atomic_dynamodb_writes():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        yield boto3.resource("dynamodb").Table(name)


@pytest.fixture
def customers(table: Any) -> CustomersRepository:
    return CustomersRepository(table)


@pytest.fixture
def referrals(table: Any) -> ReferralsRepository:
    return ReferralsRepository(table)


def programs_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(DEFAULT_PROGRAMS_FILE.read_text(encoding="utf-8"))
    return document


@pytest.fixture
def programs() -> Programs:
    return load_programs(programs_document())


def join(
    customers: CustomersRepository,
    bank_id: str,
    phone: str,
    *,
    channel: Channel = "telegram",
    referral: str | None = None,
) -> Customer:
    """A person becomes a customer the way onboarding does it (CustomerAPI's find_or_create)."""
    identity = ChannelIdentity(channel=channel, user_id=bank_id, chat_id=bank_id)
    new = NewCustomer(
        bank_customer_id=bank_id, phone=phone, language="ru", identity=identity, referred_by_code=referral
    )
    return find_or_create(new, repository=customers).customer


@dataclass
class FakeLedger:
    """Core banking's bonus credit: deduplicates by idempotency key as the bank does, and counts calls."""

    calls: Counter[str] = field(default_factory=Counter)
    credits: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def credit_bonus(self, customer_id: str, amount_minor: int, currency: str, idempotency_key: str, /) -> str:
        with self.lock:
            self.calls[idempotency_key] += 1
            if self.fail_next:
                self.fail_next -= 1
                raise BankSystemUnavailable("core banking timed out")
            self.credits.setdefault(idempotency_key, (customer_id, amount_minor, currency))
            return f"op-{idempotency_key[-12:]}"

    def balance(self, customer_id: str) -> int:
        return sum(amount for who, amount, _ in self.credits.values() if who == customer_id)


@dataclass(frozen=True)
class BrandStub:
    background: str
    foreground: str


@dataclass(frozen=True)
class PartnerOfferStub:
    offer_id: str
    title: str
    category: str
    cashback_percent: int
    valid_until: date | None = None
    brand: BrandStub | None = None
    image_url: str | None = None


@dataclass(frozen=True)
class ActivationStub:
    activation_id: str
    promo_code: str


@dataclass
class FakePartners:
    """The partners' REST APIs as APIWrapper-external presents them."""

    catalogue: dict[str, list[PartnerOfferStub]] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)
    activations: list[tuple[str, str, str]] = field(default_factory=list)
    pictures: dict[str, bytes] = field(default_factory=dict)
    pictures_fetched: list[tuple[str, str]] = field(default_factory=list)

    def offers(self, partner: str, /) -> list[PartnerOfferStub]:
        if partner in self.down:
            raise BankSystemUnavailable(f"{partner} does not answer")
        return self.catalogue.get(partner, [])

    def picture(self, partner: str, url: str, /) -> bytes:
        self.pictures_fetched.append((partner, url))
        if partner in self.down or url not in self.pictures:
            raise BankSystemUnavailable(f"{partner} does not serve {url}")
        return self.pictures[url]

    def activate(self, partner: str, offer_id: str, customer_ref: str, /) -> ActivationStub:
        self.activations.append((partner, offer_id, customer_ref))
        return ActivationStub(activation_id=f"act-{len(self.activations)}", promo_code=f"PROMO-{offer_id.upper()}")
