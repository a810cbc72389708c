"""Fakes for the payment operations and steps: an in-memory billing that keeps its answers by
idempotency key (refusals included), a core that knows one card; quotes and saved payees live in a
moto customers table built from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.banking.models.billing import Payee, PayeeAccount, Payment, PayRequest
from messenger_bank.banking.models.core import Balance, Card
from messenger_bank.customers.models import Card as CustomerCard
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.errors import InsufficientFunds, PayeeAccountNotFound
from messenger_bank.payments.repository import PaymentsRepository
from tests.support.aws import create_table
from tests.support.idempotency import Replays

CUSTOMER = "cus-1"
CARD = "card-src"
ACCOUNT = "acc-src"
MTS = "100102"
PHONE = "+375291234567"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@dataclass
class FakeBilling:
    """Billing as the sandbox answers: `Pay` keeps its first answer by idempotency key (refusals too) and
    refuses the key reused with another body (tests/support/idempotency.py)."""

    balance_minor: int = 100_000
    replays: Replays = field(default_factory=Replays)
    paid: list[PayRequest] = field(default_factory=list)
    more_payees: list[dict[str, Any]] = field(default_factory=list)  # a case's own, in billing's wire form

    def payees(self, category: str | None = None) -> list[Payee]:
        catalogue = [
            {"serviceCode": MTS, "name": "MTS", "category": "mobile", "accountLabel": "phone",
             "accountPattern": r"^\+375(29|33)\d{7}$", "hasAmountDue": False},
            {"serviceCode": "200102", "name": "Minskenergosbyt", "category": "utilities",
             "accountLabel": "personal account", "accountPattern": r"^\d{9}$", "hasAmountDue": True},
            *self.more_payees,
        ]  # fmt: skip
        return [Payee.model_validate(p) for p in catalogue if category in (None, p["category"])]

    def check_account(self, service_code: str, account: str) -> PayeeAccount:
        if account.removeprefix("+375").removeprefix("29").startswith("000"):
            raise PayeeAccountNotFound("unknown", code="ACCOUNT_NOT_FOUND")
        due = 4_250 if service_code == "200102" else None
        return PayeeAccount.model_validate(
            {"serviceCode": service_code, "account": account, "holderName": "4567 subscriber",
             "amountDue": due, "currency": "BYN"}
        )  # fmt: skip

    def pay(self, request: PayRequest) -> Payment:
        def work() -> Payment:
            if request.amount > self.balance_minor:
                raise InsufficientFunds("not enough")
            self.balance_minor -= request.amount
            self.paid.append(request)
            return Payment.model_validate(
                {"paymentId": f"op-{len(self.paid)}", "status": "COMPLETED", "receiptNumber": "R0000000001",
                 "serviceCode": request.service_code, "account": request.account, "amount": request.amount,
                 "currency": request.currency, "paidAt": NOW.isoformat()}
            )  # fmt: skip

        return self.replays.once("billing.pay", request, work)


@dataclass
class FakeCore:
    billing: FakeBilling

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
        return Balance(account_id=account_id, balance=self.billing.balance_minor, currency="BYN")


@dataclass
class World:
    payments: PaymentsRepository
    customers: CustomersRepository
    billing: FakeBilling
    core: FakeCore


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        table = boto3.resource("dynamodb").Table(name)
        customers = CustomersRepository(table)
        customers.put_card(
            CustomerCard(card_id=CARD, customer_id=CUSTOMER, mask="400011******0001", expiry="03/31", issued_at=NOW)
        )
        billing = FakeBilling()
        yield World(PaymentsRepository(table), customers, billing, FakeCore(billing))
