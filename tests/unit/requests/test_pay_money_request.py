"""Paying a money request moves the money once, and the answer stands whatever the messengers do."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.banking.models import Card as BankCard
from messenger_bank.banking.models import Operation, TransferRequest
from messenger_bank.channels.errors import PlatformError
from messenger_bank.customers.models import Card, ChannelIdentity, Customer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.onboarding.models import NotifyRequest
from messenger_bank.requests.models import AnswerMoneyRequest, MoneyRequest
from messenger_bank.requests.repository import MoneyRequestsRepository
from messenger_bank.requests.service import pay_money_request
from tests.support.aws import create_table

NOW = datetime.now(UTC)
REQUEST_ID = "mr" + "0a" * 12


@dataclass
class FakeCore:
    transfers: list[TransferRequest] = field(default_factory=list)

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
        self.transfers.append(request)
        return Operation(
            operation_id=f"op{len(self.transfers)}", kind="transfer", amount=request.amount,
            currency=request.currency, status="completed", created_at=NOW,
        )  # fmt: skip


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CustomersRepository, MoneyRequestsRepository]]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        table = boto3.resource("dynamodb").Table(name)
        customers = CustomersRepository(table)
        for number, channels in ((1, ("telegram",)), (2, ("viber", "whatsapp"))):
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
                request_id=REQUEST_ID, requester_id="c_2", payer_id="c_1", amount_minor=2_500, currency="BYN",
                created_at=NOW, expires_at=int(NOW.timestamp()) + 3600,
            )
        )  # fmt: skip
        yield customers, requests


def test_a_paid_request_stands_when_no_messenger_takes_the_notice(
    tables: tuple[CustomersRepository, MoneyRequestsRepository],
) -> None:
    customers, requests = tables
    core = FakeCore()

    def messenger_down(_: NotifyRequest) -> Any:
        raise RuntimeError("the messenger is down")

    answered = pay_money_request(
        AnswerMoneyRequest(customer_id="c_1", request_id=REQUEST_ID),
        requests=requests, customers_repository=customers, core=core, tell=messenger_down,  # type: ignore[arg-type]
    )  # fmt: skip

    assert answered.status == "paid"
    assert [(t.from_account_id, t.to_account_id, t.amount) for t in core.transfers] == [
        ("acc_card1", "acc_card2", 2_500)
    ]


def test_the_requester_is_told_on_each_of_their_chats_even_if_one_fails(
    tables: tuple[CustomersRepository, MoneyRequestsRepository],
) -> None:
    customers, requests = tables
    told: list[str] = []

    def tell(notice: NotifyRequest) -> Any:
        if notice.chat_key.startswith("viber:"):
            raise PlatformError("viber refused send: 503")
        told.append(notice.chat_key)

    pay_money_request(
        AnswerMoneyRequest(customer_id="c_1", request_id=REQUEST_ID),
        requests=requests, customers_repository=customers, core=FakeCore(), tell=tell,  # type: ignore[arg-type]
    )  # fmt: skip

    assert told == ["whatsapp:w2"]
