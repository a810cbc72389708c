"""The parts of the sign-in zone that stay whatever proves the card: whom a bound chat's session names, and which
way asking again goes, per customer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from messenger_bank.customers.models import ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import find_or_create
from messenger_bank.security.session_tokens import verify_session
from messenger_bank.signin import service
from messenger_bank.signin.models import OpenSessionRequest, StartReauthenticationRequest
from tests.unit.signin.test_signin import CHAT, PHONE, SESSION_KEY, customers  # noqa: F401


def bound_customer(customers: CustomersRepository, bank_customer_id: str, user_id: str, phone: str) -> str:  # noqa: F811
    return find_or_create(
        NewCustomer(
            bank_customer_id=bank_customer_id,
            phone=phone,
            language="ru",
            identity=ChannelIdentity(channel="viber", user_id=user_id, chat_id=user_id),
        ),
        repository=customers,
    ).customer.customer_id


def test_a_bound_chats_session_names_its_customer(customers: CustomersRepository) -> None:  # noqa: F811
    customer_id = bound_customer(customers, "BANK-7", "u-42", PHONE)

    opened = service.open_session(
        OpenSessionRequest(channel="viber", user_id="u-42", chat_key=CHAT), customers=customers
    )

    assert opened.customer_id == customer_id
    assert opened.session is not None
    assert verify_session(opened.session, chat_key=CHAT, key=SESSION_KEY).customer_id == customer_id


def signed_in(customers: CustomersRepository, core: Any, at: datetime) -> Any:  # noqa: F811
    """The whole sign-in at `at` (the phone proven, the link from the chat, the card on the page) with `core`."""
    from pydantic import SecretStr

    from messenger_bank.security import links
    from messenger_bank.signin.models import CardEntry
    from tests.unit.signin.test_signin import CARD, LINK_KEY, PAGE, FakeCerberus, proven_phone, request

    proven_phone(customers)
    link = service.sign_in(request(), customers=customers, settings=PAGE, key=LINK_KEY)
    pending = service.pending_sign_in(links.inspect_link(links.token_of(link.url), key=LINK_KEY))
    card = CardEntry(number=SecretStr(CARD), expiry="07/29")
    holder = service.prove_sign_in_card(pending, card, cerberus=FakeCerberus())  # type: ignore[arg-type]
    return service.complete_sign_in(pending, holder, core=core, customers=customers, now=at)


@dataclass
class PasswordsAtTheBank:
    """Core banking's answer to "has this bank customer set a password?", per bank customer."""

    with_password: frozenset[str]
    asked: list[str] = field(default_factory=list)

    def password_set(self, bank_customer_id: str) -> bool:
        self.asked.append(bank_customer_id)
        return bank_customer_id in self.with_password


@pytest.fixture
def secure_page(customers: CustomersRepository, monkeypatch: pytest.MonkeyPatch) -> CustomersRepository:  # noqa: F811
    monkeypatch.setenv("SECURE_PAGE_URL", "https://api.example.com/secure")
    boto3.client("ssm").put_parameter(
        Name="/test/security/link-key", Value="l" * 48, Type="SecureString", Overwrite=True
    )
    return customers


@pytest.mark.parametrize(
    ("with_password", "method"),
    [(frozenset({"BANK-7"}), "password"), (frozenset({"BANK-8"}), "card"), (frozenset(), "card")],
    ids=["this customer has a password", "only another customer has one", "nobody has one"],
)
def test_asking_again_follows_this_customers_own_password(
    secure_page: CustomersRepository, with_password: frozenset[str], method: str
) -> None:
    bound_customer(secure_page, "BANK-8", "u-43", "+375291112244")
    customer_id = bound_customer(secure_page, "BANK-7", "u-42", PHONE)
    bank = PasswordsAtTheBank(with_password)

    asked = service.start_reauthentication(
        StartReauthenticationRequest(customer_id=customer_id, channel="viber", chat_key=CHAT),
        core=bank,  # type: ignore[arg-type]
        customers=secure_page,
    )

    assert asked.method == method
    assert bank.asked == ["BANK-7"]
    page = "/secure/confirm?" if method == "password" else "/secure/card?"
    assert asked.url is not None and page in asked.url


def test_a_proof_recorded_without_a_time_is_recorded_now(customers: CustomersRepository) -> None:  # noqa: F811
    from messenger_bank.customers import service as customers_service
    from messenger_bank.security import _hs256

    customer_id = bound_customer(customers, "BANK-7", "u-42", PHONE)
    before = datetime.now(UTC)

    service.record_proof(customer_id, _hs256.chat_binding(CHAT), customers=customers)

    proved = customers_service.authenticated_at(customer_id, _hs256.chat_binding(CHAT), repository=customers)
    assert proved is not None and before.replace(microsecond=0) <= proved <= datetime.now(UTC)


def test_a_card_already_known_keeps_its_record_when_the_customer_signs_in_again(
    customers: CustomersRepository,  # noqa: F811
) -> None:
    from messenger_bank.customers import service as customers_service
    from tests.unit.signin.test_signin import FakeCore

    first, again = datetime(2026, 11, 1, 8, 0, tzinfo=UTC), datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    customer_id = signed_in(customers, FakeCore(), first).customer_id

    signed_in(customers, FakeCore(), again)

    cards = customers_service.cards_of(customer_id, repository=customers)
    assert [(card.card_id, card.issued_at) for card in cards] == [("card_7", first)]


@dataclass
class BranchCustomersBank:
    """Core banking holding one card we have not seen: a plastic Mastercard from a branch, blocked."""

    def cards(self, customer_id: str) -> list[Any]:
        from messenger_bank.banking.models.core import Card as BankCard

        return [
            BankCard.model_validate(
                {
                    "card_id": "card_branch",
                    "customer_id": customer_id,
                    "account_id": "acc_branch",
                    "masked_pan": "522222******1234",
                    "expiry": "03/28",
                    "product": "mastercard-gold",
                    "form": "plastic",
                    "status": "blocked",
                    "cashback_category": "none",
                }
            )
        ]


def test_a_card_from_the_bank_is_recorded_as_the_bank_describes_it(
    customers: CustomersRepository,  # noqa: F811
) -> None:
    from messenger_bank.customers import service as customers_service

    at = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)

    customer_id = signed_in(customers, BranchCustomersBank(), at).customer_id

    (card,) = customers_service.cards_of(customer_id, repository=customers)
    assert card.model_dump() == {
        "card_id": "card_branch",
        "customer_id": customer_id,
        "mask": "522222******1234",
        "kind": "plastic",
        "scheme": "mastercard",
        "expiry": "03/28",
        "status": "blocked",
        "issued_at": at,
    }
