"""The customers table and the personal-data key in moto, and fakes of the bank's systems that refuse what
the real ones refuse (as the sandbox in local/sandbox does): the Passport registry (unknown, revoked and
mismatching documents; the age on its own date), Cerberus (screening, customers the bank already has, credit
scoring of its customers only, one-time codes with three attempts) and core banking (one customer per
personal number, one card per idempotency key, a key reused with another body refused)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import SecretStr

from messenger_bank.banking.models import Identity
from messenger_bank.banking.models.cerberus import CreditScoring, OneTimeCode, OneTimeCodeCheck, Screening
from messenger_bank.banking.models.core import CustomerRef, IssueCardRequest, IssuedCard
from messenger_bank.banking.models.passport import IdentityCheck
from messenger_bank.banking.settings import BankSettings
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.errors import CustomerNotFound, IdempotencyConflict, InvalidOneTimeCode
from messenger_bank.onboarding.models import ApplicationForm
from tests.support.aws import atomic_dynamodb_writes, create_table

TODAY = date(2026, 12, 6)
NOT_FOUND_DOCUMENT = "MP0000000"
REVOKED_DOCUMENT = "MP0000001"
CODE = "482913"
PAN = "4111111111111111"
HIGH_CREDIT_LIMIT = 100_000  # the sandbox's test mode: everyone's scoring but the documented last names


def personal_number(birth: date) -> str:
    """A personal number that agrees with `birth` (century digit, DDMMYY), as the registry checks."""
    century = "3" if birth.year < 2000 else "5"
    return f"{century}{birth:%d%m%y}A001PB5"


def years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


def form(**changes: Any) -> ApplicationForm:
    """A valid application of an adult (36 years old) from a Telegram chat; `changes` replace fields."""
    birth = changes.get("date_of_birth", date(1990, 5, 17))
    values: dict[str, Any] = {
        "chat_key": "telegram:1001",
        "channel": "telegram",
        "user_id": "1001",
        "language": "ru",
        "phone": "+375291234567",
        "phone_verified": True,
        "full_name": "Иванов Иван Иванович",
        "date_of_birth": birth,
        "passport_number": "MP1234567",
        "personal_id": personal_number(birth),
        **changes,
    }
    return ApplicationForm(**values)


@dataclass
class FakeRegistry:
    """The Passport registry: VALID unless the document is unknown or revoked or the data disagree."""

    today: date = TODAY
    asked: list[str] = field(default_factory=list)

    def verify_person(self, person: Identity) -> IdentityCheck:
        self.asked.append(person.personal_number)
        birth = person.birth_date
        age = self.today.year - birth.year - ((self.today.month, self.today.day) < (birth.month, birth.day))
        status = "VALID"
        if person.document_number == NOT_FOUND_DOCUMENT:
            status = "NOT_FOUND"
        elif person.document_number == REVOKED_DOCUMENT:
            status = "INVALID"
        elif personal_number(birth)[:7] != person.personal_number[:7]:
            status = "MISMATCH"
        return IdentityCheck.model_validate({"status": status, "age": age, "checkedAt": f"{self.today}T10:00:00Z"})


@dataclass
class FakeCore:
    """Core banking: one customer per personal number, one card per idempotency key."""

    customers: dict[str, str] = field(default_factory=dict)
    cards: dict[str, IssuedCard] = field(default_factory=dict)
    issue_calls: int = 0

    def create_customer(self, person: Identity) -> CustomerRef:
        created = person.personal_number not in self.customers
        customer_id = self.customers.setdefault(person.personal_number, f"BANK-{len(self.customers) + 1}")
        return CustomerRef(customer_id=customer_id, created=created)

    def issue_virtual_card(self, request: IssueCardRequest) -> IssuedCard:
        self.issue_calls += 1
        if request.customer_id not in self.customers.values():
            raise AssertionError("core banking refuses a card for a customer it does not have")
        known = self.cards.get(request.idempotency_key)
        if known is not None and known.credit_limit != request.credit_limit:
            raise IdempotencyConflict("core banking refuses a key reused with another body")
        if known is None:
            self.cards[request.idempotency_key] = IssuedCard(
                card_id=f"card-{len(self.cards) + 1}",
                customer_id=request.customer_id,
                account_id=f"acc-{len(self.cards) + 1}",
                masked_pan=f"{PAN[:6]}******{PAN[-4:]}",
                expiry="12/29",
                product=request.product,
                form="virtual",
                status="active",
                cashback_category="everything",
                pan=SecretStr(PAN),
                iban="BY13NBRB3600900000002Z00AB00",
                credit_limit=request.credit_limit,
            )
        return self.cards[request.idempotency_key]


@dataclass
class SentCode:
    phone: str
    code: str
    attempts_left: int = 3
    used: bool = False


@dataclass
class FakeCerberus:
    """Cerberus: screening (sanctions, and the bank's existing customers), one-time codes as the sandbox has them."""

    core: FakeCore
    sanctioned: set[str] = field(default_factory=set)
    credit_limits: dict[str, int] = field(default_factory=dict)
    screened: list[str] = field(default_factory=list)
    codes: dict[str, SentCode] = field(default_factory=dict)
    checks: int = 0
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def screen(self, person: Identity) -> Screening:
        self.screened.append(person.personal_number)
        if person.personal_number in self.sanctioned:
            return Screening(screening_id="scr-1", decision="rejected", reasons=["sanctions list"])
        return Screening(
            screening_id="scr-1", decision="clear", existing_customer_id=self.core.customers.get(person.personal_number)
        )

    def score_credit(self, customer_id: str) -> CreditScoring:
        """As the sandbox's test mode: the high limit unless this customer is scored otherwise (0: refused)."""
        if customer_id not in self.core.customers.values():
            raise CustomerNotFound("Cerberus scores only core banking's customers")
        limit = self.credit_limits.get(customer_id, HIGH_CREDIT_LIMIT)
        return CreditScoring(
            scoring_id="crs-1", decision="approved" if limit else "refused", credit_limit=limit, currency="BYN"
        )

    def send_code(self, phone: str, purpose: str) -> OneTimeCode:
        otp_id = f"otp-{next(self._ids)}"
        self.codes[otp_id] = SentCode(phone=phone, code=CODE)
        return OneTimeCode(otp_id=otp_id, expires_at=datetime.now(UTC) + timedelta(minutes=5))

    def check_code(self, otp_id: str, code: str) -> OneTimeCodeCheck:
        self.checks += 1
        sent = self.codes.get(otp_id)
        if sent is None:
            raise InvalidOneTimeCode("no such one-time code")
        if sent.used or sent.attempts_left <= 0:
            return OneTimeCodeCheck(valid=False, attempts_left=0)
        if code == sent.code:
            sent.used = True
            return OneTimeCodeCheck(valid=True, attempts_left=sent.attempts_left)
        sent.attempts_left -= 1
        return OneTimeCodeCheck(valid=False, attempts_left=sent.attempts_left)


@dataclass
class Bank:
    registry: FakeRegistry
    core: FakeCore
    cerberus: FakeCerberus


@pytest.fixture
def bank(monkeypatch: pytest.MonkeyPatch) -> Bank:
    import messenger_bank.banking.service as service

    core = FakeCore()
    fakes = Bank(registry=FakeRegistry(), core=core, cerberus=FakeCerberus(core=core))
    monkeypatch.setattr(service, "passport_client", lambda: fakes.registry)
    monkeypatch.setattr(service, "core_client", lambda: fakes.core)
    monkeypatch.setattr(service, "cerberus_client", lambda: fakes.cerberus)
    monkeypatch.setattr(service, "bank_settings", lambda: BankSettings())  # adult at 18, as deployed
    return fakes


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The customers table (as template.yaml declares it) and the personal-data key, in moto."""
    from messenger_bank.onboarding import applications

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    applications._kms.cache_clear()
    with mock_aws(), atomic_dynamodb_writes():
        name = create_table(boto3.client("dynamodb"), "CustomersTable")
        monkeypatch.setenv("CUSTOMERS_TABLE", name)
        # Where the code sends are counted per phone and per chat (the security table).
        monkeypatch.setenv("SECURITY_TABLE", create_table(boto3.client("dynamodb"), "SecurityTable"))
        key = boto3.client("kms").create_key(Description="personal data")["KeyMetadata"]["KeyId"]
        monkeypatch.setenv("PERSONAL_DATA_KEY_ID", key)
        yield boto3.resource("dynamodb").Table(name)
    applications._kms.cache_clear()


@pytest.fixture
def customers(table: Any) -> CustomersRepository:
    return CustomersRepository(table)


class Clock:
    """`time.time()` for a module under test, moved by hand."""

    def __init__(self, at: float) -> None:
        self.at = at

    def time(self) -> float:
        return self.at
