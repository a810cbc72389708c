"""The step-up policy against a moto customers table built from template.yaml, with a Cerberus fake
that refuses a wrong code as Cerberus does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from messenger_bank.banking.models.cerberus import OneTimeCode, OneTimeCodeCheck
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.spending.repository import SpendingRepository
from messenger_bank.spending.settings import SpendingSettings
from tests.support.aws import create_table

CUSTOMER = "cus-1"
OTHER = "cus-2"
PHONE = "+375291234567"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 15:00 in Minsk
# 1 000.00 BYN a day without a code, 10 000.00 a day at most.
POLICY = SpendingSettings(free_per_day_minor=100_000, limit_per_day_minor=1_000_000)


@dataclass
class FakeCerberus:
    code: str = "123456"
    sent: list[tuple[str, str]] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def send_code(self, phone: str, purpose: str) -> OneTimeCode:
        self.sent.append((phone, purpose))
        return OneTimeCode(otp_id=f"otp-{len(self.sent)}", expires_at=NOW)

    def check_code(self, otp_id: str, code: str) -> OneTimeCodeCheck:
        self.checked.append(otp_id)
        return OneTimeCodeCheck(valid=code == self.code and otp_id == f"otp-{len(self.sent)}", attempts_left=2)


@dataclass
class World:
    spending: SpendingRepository
    customers: CustomersRepository
    cerberus: FakeCerberus


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        table = boto3.resource("dynamodb").Table(name)
        table.put_item(
            Item={
                "pk": f"CUSTOMER#{CUSTOMER}",
                "sk": "PROFILE",
                "customer_id": CUSTOMER,
                "bank_customer_id": "BANK-1",
                "phone": PHONE,
                "language": "ru",
                "referral_code": "ABC123",
                "created_at": NOW.isoformat(),
            }
        )
        yield World(SpendingRepository(table), CustomersRepository(table), FakeCerberus())
