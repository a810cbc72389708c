"""Card services over moto (the customers table from template.yaml, the media bucket) and a fake core bank."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.banking.models.core import Balance, CardLimits, HistoryEntry, Requisites, Statement
from messenger_bank.banking.models.core import Card as BankCard
from messenger_bank.cards.settings import CardsSettings
from messenger_bank.customers.models import Card, ChannelIdentity, Customer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.errors import CardNotFound
from tests.support.aws import create_table

BUCKET = "media-test"
LINK_KEY = b"k" * 48
# Luhn-valid IBAN of the sandbox's shape (BY, 2 check digits, bank code, balance account, 16 chars).
IBAN = "BY13NBRB3600900000002Z00AB00"


@dataclass
class FakeCore:
    """Core banking as the card services see it: cards, balances, requisites, history, block state."""

    cards_by_id: dict[str, BankCard] = field(default_factory=dict)
    balances: dict[str, int] = field(default_factory=dict)
    credit_limits: dict[str, int] = field(default_factory=dict)
    holds: dict[str, int] = field(default_factory=dict)
    entries: dict[str, list[HistoryEntry]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    limits: dict[tuple[str, str], int] = field(default_factory=dict)
    statement_debts: dict[str, int] = field(default_factory=dict)

    def card_limits(self, card_id: str) -> CardLimits:
        self.card(card_id)
        defaults = {"purchases": 200_000, "cash": 100_000, "online": 150_000}
        maximum = {"purchases": 1_000_000, "cash": 500_000, "online": 1_000_000}
        return CardLimits.model_validate(
            {
                "card_id": card_id,
                "currency": "BYN",
                "limits": [
                    {"kind": k, "period": "day", "amount": self.limits.get((card_id, k), v), "maximum": maximum[k]}
                    for k, v in defaults.items()
                ],
            }
        )

    def set_card_limit(self, card_id: str, kind: str, amount: int, currency: str) -> CardLimits:
        self.calls.append(("set_card_limit", card_id))
        self.limits[(card_id, kind)] = amount
        return self.card_limits(card_id)

    def add(self, bank_customer_id: str, card_id: str, account_id: str, last4: str = "1111", money: int = 0) -> None:
        self.cards_by_id[card_id] = BankCard.model_validate(
            {
                "card_id": card_id,
                "customer_id": bank_customer_id,
                "account_id": account_id,
                "masked_pan": f"411111******{last4}",
                "expiry": "12/29",
                "product": "visa-digital",
                "form": "virtual",
                "status": "active",
                "cashback_category": "everything",
            }
        )
        self.balances[account_id] = money

    def cards(self, customer_id: str) -> list[BankCard]:
        return [c for c in self.cards_by_id.values() if c.customer_id == customer_id]

    def card(self, card_id: str) -> BankCard:
        if card_id not in self.cards_by_id:
            raise CardNotFound("no such card")
        return self.cards_by_id[card_id]

    def balance(self, account_id: str) -> Balance:
        self.calls.append(("balance", account_id))
        return Balance.model_validate(
            {
                "account_id": account_id,
                "balance": self.balances[account_id],
                "credit_limit": self.credit_limits.get(account_id, 0),
                "holds": self.holds.get(account_id, 0),
                "currency": "BYN",
            }
        )

    def _status(self, card_id: str, status: str) -> BankCard:
        card = self.card(card_id).model_copy(update={"status": status})
        self.cards_by_id[card_id] = card
        return card

    def block(self, card_id: str, reason: str) -> BankCard:
        self.calls.append(("block", f"{card_id}:{reason}"))
        return self._status(card_id, "blocked")

    def unblock(self, card_id: str) -> BankCard:
        self.calls.append(("unblock", card_id))
        return self._status(card_id, "active")

    def requisites(self, account_id: str) -> Requisites:
        self.calls.append(("requisites", account_id))
        return Requisites.model_validate(
            {
                "account_id": account_id,
                "iban": IBAN,
                "currency": "BYN",
                "holder_name": "Каваленка Алеся",
                "bank_name": "Messenger Bank (sandbox)",
                "bic": "MBNKBY2X",
                "bank_taxpayer_number": "190000001",
            }
        )

    def history(self, account_id: str, limit: int = 20) -> list[HistoryEntry]:
        return self.entries.get(account_id, [])[:limit]

    def statement(self, account_id: str, month: str) -> Statement:
        """The month's figures as core banking would give them: what was spent into the credit line
        (``statement_debts``, 0 if none) with the defaults' minimum (5 %, floor 10.00), due 25 days after."""
        self.calls.append(("statement", f"{account_id}:{month}"))
        if account_id not in self.balances:
            raise CardNotFound("no such account")
        year, number = (int(part) for part in month.split("-"))
        last = (datetime(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)).date()
        debt = self.statement_debts.get(account_id, 0)
        return Statement.model_validate(
            {
                "account_id": account_id,
                "month": month,
                "currency": "BYN",
                "statement_date": last.isoformat(),
                "due_date": (last + timedelta(days=25)).isoformat(),
                "closed": False,
                "credit_limit": self.credit_limits.get(account_id, 0),
                "opening_balance": 0,
                "closing_balance": -debt,
                "amount_due": debt,
                "minimum_payment": min(debt, max(debt * 5 // 100, 1_000)),
                "operations": [e.model_dump() for e in self.entries.get(account_id, [])],
            }
        )


@dataclass
class World:
    core: FakeCore
    customers: CustomersRepository
    settings: CardsSettings
    s3: Any

    def customer(self, number: int, *, cards: int = 1, money: int = 12_345_050) -> tuple[str, list[str]]:
        """A customer of ours and of the bank, with `cards` cards recorded in both; (customer id, card ids)."""
        customer_id, bank_id = f"c_{number}", f"cus_{number}"
        self.customers.create(
            Customer(
                customer_id=customer_id,
                bank_customer_id=bank_id,
                phone=f"+3752970000{number:02d}",
                language="ru",
                referral_code=f"REF{number:05d}",
                created_at=datetime.now(UTC),
            ),
            ChannelIdentity(channel="telegram", user_id=str(number), chat_id=str(number)),
        )
        card_ids = []
        for index in range(cards):
            card_id = f"card_{number}_{index}"
            self.core.add(bank_id, card_id, f"acc_{number}_{index}", last4=f"{number:02d}{index:02d}", money=money)
            self.customers.put_card(
                Card(
                    card_id=card_id,
                    customer_id=customer_id,
                    mask=f"411111******{number:02d}{index:02d}",
                    expiry="12/29",
                    issued_at=datetime.now(UTC),
                )
            )
            card_ids.append(card_id)
        return customer_id, card_ids

    @property
    def kw(self) -> dict[str, Any]:
        return {"core": self.core, "customers": self.customers}


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        yield World(
            core=FakeCore(),
            customers=CustomersRepository(boto3.resource("dynamodb").Table(name)),
            settings=CardsSettings(media_bucket=BUCKET, secure_page_url="https://bank.example.com/secure"),
            s3=s3,
        )
