"""Fakes for the transfer steps: an in-memory bank with idempotency keys, a card vault, Cerberus; the
quotes live in a moto customers table built from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.banking.models.cerberus import OneTimeCode, OneTimeCodeCheck
from messenger_bank.banking.models.core import (
    Balance,
    Card,
    CardLookup,
    CreditRequest,
    DebitRequest,
    HistoryEntry,
    Operation,
    RefundRequest,
)
from messenger_bank.customers.models import Card as CustomerCard
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.errors import CardNotFound, InsufficientFunds, InvalidOneTimeCode, OperationRejected
from messenger_bank.security.cards import CardToken, mask_pan
from messenger_bank.security.errors import CardTokenNotFound
from messenger_bank.transfers.repository import QuotesRepository
from messenger_bank.transfers.settings import TransferSettings
from tests.support.aws import create_table
from tests.support.idempotency import Replays

CUSTOMER = "cus-1"
SOURCE_CARD = "card-src"
ACCOUNT = "acc-src"
RECIPIENT_PAN = "4111111111111111"
REFUSED_PAN = "4000000000000002"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SETTINGS = TransferSettings(
    fee_percent="1.5",  # type: ignore[arg-type]
    fee_min_minor=100,
    limit_per_transfer_minor=500_000,
)
# The step-up policy for these tests (spending/settings.py): 10 000.00 a day, 1 000.00 without a code.
POLICY_ENV = {"SPENDING_LIMIT_PER_DAY_MINOR": "1000000", "SPENDING_FREE_PER_DAY_MINOR": "100000"}


@dataclass
class FakeCore:
    """A bank that keeps its answers by idempotency key (refusals included) and refuses a key reused
    with another body, as the sandbox does (tests/support/idempotency.py)."""

    balance_minor: int = 100_000
    replays: Replays = field(default_factory=Replays)
    operations: int = 0
    settled: dict[str, int] = field(default_factory=dict)
    debits: dict[str, int] = field(default_factory=dict)
    credited: int = 0
    history_entries: list[HistoryEntry] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    lose_next_answer: set[str] = field(default_factory=set)
    # This bank's own cards by number: (card id, the bank's customer id).
    own_cards: dict[str, tuple[str, str]] = field(default_factory=dict)

    def lookup(self, pan: str) -> CardLookup:
        self.calls.append("lookup")
        if pan not in self.own_cards:
            return CardLookup(own=False, masked_pan=mask_pan(pan))
        card_id, customer_id = self.own_cards[pan]
        return CardLookup(
            own=True, masked_pan=mask_pan(pan), card_id=card_id, account_id="acc-other", customer_id=customer_id
        )

    def card(self, card_id: str) -> Card:
        return Card(
            card_id=card_id,
            customer_id="BANK-1",
            account_id=ACCOUNT,
            masked_pan="400011******0001",
            expiry="03/31",
            product="visa-digital",
            form="virtual",
            status="active",
            cashback_category="everything",
        )

    def balance(self, account_id: str) -> Balance:
        return Balance(account_id=account_id, balance=self.balance_minor, currency="BYN")

    def history(self, account_id: str, limit: int = 20) -> list[HistoryEntry]:
        # Newest first, at most 100 whatever the limit asked, as the sandbox answers (local/sandbox/core.py).
        return self.history_entries[: max(1, min(limit, 100))]

    def _once(self, scope: str, request: DebitRequest | CreditRequest | RefundRequest, work: Any) -> Operation:
        self.calls.append(request.idempotency_key)
        answer = self.replays.once(scope, request, work)
        if request.idempotency_key in self.lose_next_answer:
            self.lose_next_answer.discard(request.idempotency_key)
            raise TimeoutError("the answer was lost after the bank committed")
        return answer

    def _operation(self, kind: str, amount: int) -> Operation:
        self.operations += 1
        return Operation.model_validate(
            {
                "operation_id": f"op-{self.operations}",
                "kind": kind,
                "amount": amount,
                "currency": "BYN",
                "status": "completed",
                "created_at": NOW,
            }
        )

    def debit(self, request: DebitRequest) -> Operation:
        def work() -> Operation:
            if request.amount > self.balance_minor:
                raise InsufficientFunds("not enough", code="insufficient_funds")
            self.balance_minor -= request.amount
            op = self._operation("debit", request.amount)
            self.debits[op.operation_id] = request.amount
            return op

        return self._once("debit", request, work)

    def credit(self, request: CreditRequest) -> Operation:
        def work() -> Operation:
            assert request.pan is not None and request.debit_id is not None
            if request.pan.get_secret_value().startswith("400000"):
                raise CardNotFound("refused", code="card_not_found")
            self._settle(request.debit_id, request.amount)
            self.credited += request.amount
            return self._operation("credit", request.amount)

        return self._once("credit", request, work)

    def refund(self, request: RefundRequest) -> Operation:
        def work() -> Operation:
            if request.debit_id not in self.debits:  # the sandbox: 404 operation_not_found
                raise OperationRejected("no such operation", code="operation_not_found")
            amount = request.amount or self.debits[request.debit_id] - self.settled.get(request.debit_id, 0)
            self._settle(request.debit_id, amount)
            self.balance_minor += amount
            return self._operation("refund", amount)

        return self._once("refund", request, work)

    def _settle(self, debit_id: str, amount: int) -> None:
        if debit_id not in self.debits:
            raise OperationRejected("no such operation", code="operation_not_found")
        if self.settled.get(debit_id, 0) + amount > self.debits[debit_id]:
            raise OperationRejected("settled", code="debit_already_settled")
        self.settled[debit_id] = self.settled.get(debit_id, 0) + amount


@dataclass
class FakeVault:
    numbers: dict[str, str] = field(default_factory=dict)

    def add(self, pan: str) -> str:
        token = f"tok_{len(self.numbers):022d}"
        self.numbers[token] = pan
        return token

    def describe(self, token: str) -> CardToken:
        if token not in self.numbers:
            raise CardTokenNotFound("no such token")
        return CardToken(token=token, mask=mask_pan(self.numbers[token]))

    def detokenise(self, token: str) -> str:
        return self.numbers[token]


@dataclass
class FakeCerberus:
    """Cerberus as the sandbox answers: a code checked under an id it never sent is refused (404 otp_not_found,
    which the client raises as InvalidOneTimeCode)."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send_code(self, phone: str, purpose: str) -> OneTimeCode:
        self.sent.append((phone, purpose))
        return OneTimeCode(otp_id=f"otp-{len(self.sent)}", expires_at=NOW)

    def check_code(self, otp_id: str, code: str) -> OneTimeCodeCheck:
        if otp_id not in {f"otp-{n}" for n in range(1, len(self.sent) + 1)}:
            raise InvalidOneTimeCode("no such one-time code", code="otp_not_found")
        return OneTimeCodeCheck(valid=code == "123456", attempts_left=2)


@dataclass
class World:
    quotes: QuotesRepository
    customers: CustomersRepository
    core: FakeCore
    vault: FakeVault
    cerberus: FakeCerberus


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    for name, value in POLICY_ENV.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        table = boto3.resource("dynamodb").Table(name)
        customers = CustomersRepository(table)
        table.put_item(
            Item={
                "pk": f"CUSTOMER#{CUSTOMER}",
                "sk": "PROFILE",
                "customer_id": CUSTOMER,
                "bank_customer_id": "BANK-1",
                "phone": "+375291234567",
                "language": "ru",
                "referral_code": "ABC123",
                "created_at": NOW.isoformat(),
            }
        )
        customers.put_card(
            CustomerCard(
                card_id=SOURCE_CARD, customer_id=CUSTOMER, mask="400011******0001", expiry="03/31", issued_at=NOW
            )
        )
        yield World(QuotesRepository(table), customers, FakeCore(), FakeVault(), FakeCerberus())
