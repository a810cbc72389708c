"""Fakes for the secure page: core banking (PIN key, cards), the customers table."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jose import jwk as jose_jwk

from messenger_bank.banking.models.core import Card as BankCard
from messenger_bank.banking.models.core import CardDetails, EncryptedPassword, PasswordCheck, PinKey, SetPinRequest
from messenger_bank.customers.models import Card, Customer
from messenger_bank.http import HttpRequest, request_from_event
from messenger_bank.securepage.service import Collaborators
from messenger_bank.security.jwe import decrypt
from messenger_bank.security.links import SecuritySettings, make_link, token_of
from tests.unit.security.conftest import IDEMPOTENCY_TABLE, LINK_KEY, aws, dynamodb  # noqa: F401

BOT_TOKEN = "1000000001:AAsecurePageTestBotToken0000000000"
ALICE, BOB = "cus_alice", "cus_bob"
ALICE_CARD, BOB_CARD = "card_alice_1", "card_bob_1"
# The full numbers and CVVs behind the cards (only the card details page shows them).
CARD_SECRETS = {ALICE_CARD: ("4276830000000017", "12/29", "739"), BOB_CARD: ("4276830000000025", "12/29", "204")}
# Alice's chats: most cases use a Viber chat (a link that needs no Web App data); the Web App cases use
# her Telegram chat, whose links are used only with its initData.
ALICE_CHAT = "viber:alice-5550001"
ALICE_TELEGRAM = "telegram:5550001"
BANK_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def bank_card(card_id: str, bank_customer: str) -> BankCard:
    return BankCard.model_validate(
        {
            "card_id": card_id,
            "customer_id": bank_customer,
            "account_id": f"acc_{card_id}",
            "masked_pan": "411111******1111",
            "expiry": "12/29",
            "product": "visa-classic",
            "form": "virtual",
            "status": "active",
            "cashback_category": "none",
        }
    )


@dataclass
class FakeCore:
    pins: list[SetPinRequest] = field(default_factory=list)
    failing: bool = False
    # (bank customer, the JWE as sent, key id) of every password set; the bank's passwords in clear
    passwords: list[tuple[str, str, str]] = field(default_factory=list)
    bank_passwords: dict[str, str] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)
    details_given: list[str] = field(default_factory=list)

    def set_password(self, bank_customer_id: str, password: EncryptedPassword) -> None:
        self.passwords.append((bank_customer_id, password.encrypted_password.get_secret_value(), password.key_id))

    def check_password(self, bank_customer_id: str, password: EncryptedPassword) -> PasswordCheck:
        private = jose_jwk.construct(BANK_KEY, algorithm="RSA-OAEP-256").to_dict()  # type: ignore[arg-type]
        given = decrypt(password.encrypted_password.get_secret_value(), private)
        stored = self.bank_passwords.get(bank_customer_id)
        return PasswordCheck(valid=stored is not None and given == stored, password_set=stored is not None)

    def card(self, card_id: str) -> BankCard:
        card = bank_card(card_id, {ALICE_CARD: "bank_alice", BOB_CARD: "bank_bob"}[card_id])
        return card.model_copy(update={"status": "blocked"}) if card_id in self.blocked else card

    def card_details(self, card_id: str) -> CardDetails:
        """As core banking: a blocked card's details are refused."""
        from messenger_bank.errors import BankSystemUnavailable, CardBlocked

        if self.failing:
            raise BankSystemUnavailable("core is down", system="core")
        if card_id in self.blocked:
            raise CardBlocked("the card is blocked")
        self.details_given.append(card_id)
        pan, expiry, cvv = CARD_SECRETS[card_id]
        return CardDetails.model_validate({"card_id": card_id, "pan": pan, "expiry": expiry, "cvv": cvv})

    def pin_key(self) -> PinKey:
        pem = BANK_KEY.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return PinKey(key_id="pin-key-1", algorithm="RSA-OAEP-256", public_key_pem=pem.decode())

    def set_pin(self, request: SetPinRequest) -> None:
        if self.failing:
            from messenger_bank.errors import BankSystemUnavailable

            raise BankSystemUnavailable("core is down", system="core")
        self.pins.append(request)

    def opened(self, index: int = -1) -> str:
        """What the bank reads from a PIN block: "<card id>:<pin>"."""
        blob = base64.b64decode(self.pins[index].encrypted_pin.get_secret_value())
        oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
        return BANK_KEY.decrypt(blob, oaep).decode()


class FakeCustomers:
    def __init__(self) -> None:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        self.profiles = {
            cid: Customer(
                customer_id=cid, bank_customer_id=bank, phone=phone, language="ru", referral_code=code, created_at=now
            )
            for cid, bank, phone, code in (
                (ALICE, "bank_alice", "+375291111111", "ALICE1"),
                (BOB, "bank_bob", "+375292222222", "BOBBY1"),
            )
        }
        self.owners = {ALICE_CARD: ALICE, BOB_CARD: BOB}
        self.proofs: list[tuple[str, str]] = []
        self.proven_at: dict[tuple[str, str], datetime] = {}

    def get(self, customer_id: str) -> Customer | None:
        return self.profiles.get(customer_id)

    def card_owner(self, card_id: str) -> str | None:
        return self.owners.get(card_id)

    def cards(self, customer_id: str) -> list[Card]:
        return []

    def record_authentication(self, customer_id: str, chat_binding: str, at: datetime, keep_days: int = 90) -> None:
        self.proofs.append((customer_id, chat_binding))
        self.proven_at[(customer_id, chat_binding)] = at

    def authenticated_at(self, customer_id: str, chat_binding: str) -> datetime | None:
        return self.proven_at.get((customer_id, chat_binding))


@pytest.fixture
def deps(dynamodb: Any) -> Collaborators:  # noqa: F811
    return Collaborators(
        core=FakeCore(),
        customers=FakeCustomers(),  # type: ignore[arg-type]
        dynamodb=dynamodb,
        table_name=IDEMPOTENCY_TABLE,
        link_key=LINK_KEY,
        config=SecuritySettings(table_name=IDEMPOTENCY_TABLE, max_attempts=3, lock_minutes=60),
        bot_token=lambda: BOT_TOKEN,
    )


def link_token(purpose: str = "change_pin", customer: str = ALICE, chat: str = ALICE_CHAT, **kw: Any) -> str:
    if purpose in ("change_pin", "show_card_details"):
        kw.setdefault("card_id", ALICE_CARD)  # a PIN or card details link names its card
    return token_of(make_link("https://api.example.com/secure/x", customer, chat, purpose, key=LINK_KEY, **kw))  # type: ignore[arg-type]


def event(
    method: str,
    purpose: str,
    *,
    token: str | None = None,
    card: str | None = None,
    form: dict[str, str] | None = None,
    body: str | None = None,
    content_type: str = "application/x-www-form-urlencoded",
    base64_body: bool = False,
) -> HttpRequest:
    """The request as the page's edge reads it from an HTTP API event (see messenger_bank.http)."""
    query = {k: v for k, v in (("t", token), ("card", card)) if v is not None}
    raw = body if body is not None else (urlencode(form) if form is not None else None)
    built: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} /secure/{{purpose}}",
        "rawPath": f"/secure/{purpose}",
        "rawQueryString": urlencode(query),
        "headers": {"content-type": content_type, "accept-language": "ru-RU,ru;q=0.9"},
        "requestContext": {"http": {"method": method, "path": f"/secure/{purpose}"}},
        "pathParameters": {"purpose": purpose},
        "isBase64Encoded": base64_body,
    }
    if raw is not None:
        built["body"] = base64.b64encode(raw.encode()).decode() if base64_body else raw
    return request_from_event(built)


@pytest.fixture
def printed_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The lines the bank's logger prints while the case runs, through its own handler (formatter, redaction).

    Its handler writes to the ``sys.stdout`` of the moment the logger was made (at import: pytest's capture, never
    ``capsys``'s), so ``capsys`` sees none of them; and when one process runs pytest more than once, as mutmut does,
    that stream is closed and each line becomes a "--- Logging error ---" dump instead. So the case reads them here."""
    from messenger_bank.observability import logger

    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    stream, before = io.StringIO(), handler.stream
    handler.stream = stream  # set directly: setStream would flush the old stream, which may be closed
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    handler.stream = before
