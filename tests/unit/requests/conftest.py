"""Two customers in a moto customers table (c_1 is asked to pay, c_2 asked), a third who was not asked,
and a core bank that moves money between their accounts the way the sandbox does: the same key and
body replay the first answer (refusals too), the same key with another body is a conflict."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.banking.models.core import Card as BankCard
from messenger_bank.banking.models.core import Operation, TransferRequest
from messenger_bank.customers.models import Card, ChannelIdentity, Customer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.errors import CardNotFound, InsufficientFunds, LimitExceeded, OperationRejected
from messenger_bank.requests.models import MoneyRequest
from messenger_bank.requests.repository import MoneyRequestsRepository
from tests.support.aws import create_table
from tests.support.idempotency import Replays

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
REQUEST_ID = "mr" + "0a" * 12
PAYER, REQUESTER, STRANGER = "c_1", "c_2", "c_3"
AMOUNT = 2_500
EXPIRES_AT = int(NOW.timestamp()) + 3600


@dataclass
class FakeCore:
    """Accounts `acc_<card id>` with balances; a transfer at most 1 000.00 per operation, between two
    accounts that exist and differ (the sandbox's refusals: account_not_found, same_account)."""

    balances: dict[str, int] = field(default_factory=lambda: {"acc_card1": 10_000, "acc_card2": 0, "acc_card3": 0})
    transfers: list[TransferRequest] = field(default_factory=list)
    replays: Replays = field(default_factory=Replays)
    lose_next_answer: bool = False
    limit_per_operation: int = 100_000

    def card(self, card_id: str) -> BankCard:
        return BankCard.model_validate(
            {
                "card_id": card_id,
                "customer_id": f"bank_{card_id}",
                "account_id": f"acc_{card_id}",
                "masked_pan": "411111******1111",
                "expiry": "12/29",
                "product": "visa-digital",
                "form": "virtual",
                "status": "active",
                "cashback_category": "everything",
            }
        )

    def transfer(self, request: TransferRequest) -> Operation:
        def work() -> Operation:
            if request.from_account_id not in self.balances or request.to_account_id not in self.balances:
                raise CardNotFound("no such account", code="account_not_found")
            if request.from_account_id == request.to_account_id:
                raise OperationRejected("source and target are the same account", code="same_account")
            if request.amount > self.limit_per_operation:
                raise LimitExceeded("the per-operation limit", code="limit_exceeded", limit="per_operation")
            if self.balances[request.from_account_id] < request.amount:
                raise InsufficientFunds("not enough", code="insufficient_funds")
            self.balances[request.from_account_id] -= request.amount
            self.balances[request.to_account_id] += request.amount
            self.transfers.append(request)
            return Operation(
                operation_id=f"op{len(self.transfers)}", kind="transfer", amount=request.amount,
                currency=request.currency, status="completed", created_at=NOW,
            )  # fmt: skip

        answer = self.replays.once("transfer", request, work)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise TimeoutError("the answer was lost after the bank committed")
        return answer


@dataclass
class World:
    customers: CustomersRepository
    requests: MoneyRequestsRepository
    core: FakeCore = field(default_factory=FakeCore)
    told: list[Any] = field(default_factory=list)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        table = boto3.resource("dynamodb").Table(name)
        customers = CustomersRepository(table)
        for number, channels in ((1, ("telegram",)), (2, ("viber", "whatsapp")), (3, ("telegram",))):
            customer_id = f"c_{number}"
            customers.create(
                Customer(
                    customer_id=customer_id, bank_customer_id=f"cus_{number}", phone=f"+37529700000{number}",
                    language="ru", referral_code=f"REF0000{number}", created_at=NOW,
                ),
                ChannelIdentity(channel=channels[0], user_id=f"u{number}", chat_id=f"u{number}"),  # type: ignore[arg-type]
            )  # fmt: skip
            for channel in channels[1:]:
                customers.link_identity(
                    customer_id,
                    ChannelIdentity(channel=channel, user_id=f"w{number}", chat_id=f"w{number}"),  # type: ignore[arg-type]
                )
            customers.put_card(
                Card(
                    card_id=f"card{number}",
                    customer_id=customer_id,
                    mask="411111******1111",
                    expiry="12/29",
                    issued_at=NOW,
                )
            )
        requests = MoneyRequestsRepository(table)
        requests.put(
            MoneyRequest(
                request_id=REQUEST_ID, requester_id=REQUESTER, payer_id=PAYER, amount_minor=AMOUNT, currency="BYN",
                created_at=NOW, expires_at=EXPIRES_AT,
            )
        )  # fmt: skip
        yield World(customers, requests)
