"""Each call of the core banking client on the wire: its method, path, body and query; whether it may be repeated
(a read, or a change that is the same done twice) or carries its Idempotency-Key; and the answer it reads back.
The answers are shaped as the sandbox's core banking answers them (local/sandbox/core.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from messenger_bank.banking.clients.core import CODES, CoreClient
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.models import Identity
from messenger_bank.banking.models.core import (
    DeliveryAddress,
    EncryptedPassword,
    IssueCardRequest,
    OrderPlasticRequest,
    SetPinRequest,
)
from messenger_bank.errors import (
    BankSystemUnavailable,
    CardBlocked,
    CardLimitAboveMaximum,
    CardNotFound,
    CustomerNotFound,
    DomainError,
    IdempotencyConflict,
    InsufficientFunds,
    LimitExceeded,
    OperationRejected,
)
from tests.unit.banking.wire import POLICY, TIMEOUT, Wire, error, timeout

PERSON = Identity(
    first_name="Anna", last_name="Ivanova", middle_name="Petrovna", birth_date=date(1990, 5, 17),
    document_number="MP1234567", personal_number="4170590A001PB5", issue_date=date(2020, 1, 9), phone="+375291234567",
)  # fmt: skip
CARD = {
    "card_id": "card_1", "customer_id": "BANK-1", "account_id": "acc_1", "masked_pan": "411111******1111",
    "expiry": "03/29", "product": "visa-digital", "form": "virtual", "status": "active", "pin_set": True,
    "cashback_category": "everything",
}  # fmt: skip
IBAN = "BY13NBRB3600900000002Z00AB00"
LIMITS = {
    "card_id": "card_1", "currency": "BYN",
    "limits": [{"kind": "cash", "period": "day", "amount": 50_000, "maximum": 200_000}],
}  # fmt: skip
PLASTIC = {"id": "po_1", "card_id": "card_1", "status": "ordered", "updated_at": "2026-03-02T12:00:00+00:00"}
SECRET_BLOCK = "eyJhbGciOiJSU0EtT0FFUC0yNTYifQ.secret"


def core(wire: Wire) -> CoreClient:
    return CoreClient(
        RestClient("core", "https://core.test", timeout=TIMEOUT, policy=POLICY, api_key="k", codes=CODES,
                   client=wire.client)
    )  # fmt: skip


# (name, call, answer, method, path, query, body, key, what the caller gets back from the answer)
Call = tuple[str, Callable[[CoreClient], Any], dict[str, Any], str, str, dict[str, str], Any, str | None, Any]
CALLS: list[Call] = [
    (
        "create_customer", lambda c: c.create_customer(PERSON), {"customer_id": "BANK-7", "created": True},
        "POST", "/api/v1/customers", {},
        {"first_name": "Anna", "last_name": "Ivanova", "middle_name": "Petrovna", "birth_date": "1990-05-17",
         "document_number": "MP1234567", "personal_number": "4170590A001PB5", "phone": "+375291234567"},
        None, lambda r: (r.customer_id, r.created) == ("BANK-7", True),
    ),
    (
        "issue_virtual_card",
        lambda c: c.issue_virtual_card(IssueCardRequest(
            customer_id="BANK-1", product="belkart-digital", cashback_category="fuel", credit_limit=10_000,
            idempotency_key="issue:BANK-1:1",
        )),
        CARD | {"pan": "4111111111111111", "iban": IBAN, "credit_limit": 10_000},
        "POST", "/api/v1/customers/BANK-1/cards", {},
        {"product": "belkart-digital", "cashback_category": "fuel", "credit_limit": 10_000},
        "issue:BANK-1:1",
        lambda r: (r.card_id, r.pan.get_secret_value(), r.iban, r.credit_limit)
        == ("card_1", "4111111111111111", IBAN, 10_000),
    ),
    (
        "cards", lambda c: c.cards("BANK-1"), {"cards": [CARD, CARD | {"card_id": "card_2"}]},
        "GET", "/api/v1/customers/BANK-1/cards", {}, None, None,
        lambda r: [x.card_id for x in r] == ["card_1", "card_2"],
    ),
    (
        "card", lambda c: c.card("card_1"), CARD,
        "GET", "/api/v1/cards/card_1", {}, None, None, lambda r: (r.card_id, r.pin_set) == ("card_1", True),
    ),
    (
        "lookup", lambda c: c.lookup("4111111111111111"),
        {"own": True, "masked_pan": "411111******1111", "card_id": "card_1"},
        "POST", "/api/v1/cards/lookup", {}, {"pan": "4111111111111111"}, None,
        lambda r: (r.own, r.card_id) == (True, "card_1"),
    ),
    (
        "block", lambda c: c.block("card_1", "lost"), CARD | {"status": "blocked"},
        "POST", "/api/v1/cards/card_1/block", {}, {"reason": "lost"}, None, lambda r: r.status == "blocked",
    ),
    (
        "unblock", lambda c: c.unblock("card_1"), CARD,
        "POST", "/api/v1/cards/card_1/unblock", {}, {}, None, lambda r: r.status == "active",
    ),
    (
        "pin_key", lambda c: c.pin_key(), {"key_id": "pin-1", "algorithm": "RSA-OAEP-256", "public_key_pem": "PEM"},
        "GET", "/api/v1/pin-key", {}, None, None, lambda r: (r.key_id, r.public_key_pem) == ("pin-1", "PEM"),
    ),
    (
        "set_pin",
        lambda c: c.set_pin(SetPinRequest(card_id="card_1", encrypted_pin=SecretStr(SECRET_BLOCK), key_id="pin-1")),
        {}, "PUT", "/api/v1/cards/card_1/pin", {}, {"encrypted_pin": SECRET_BLOCK, "key_id": "pin-1"}, None,
        lambda r: r is None,
    ),
    (
        "set_password",
        lambda c: c.set_password(
            "BANK-1", EncryptedPassword(encrypted_password=SecretStr(SECRET_BLOCK), key_id="pw-1")
        ),
        {}, "PUT", "/api/v1/customers/BANK-1/password", {}, {"encrypted_password": SECRET_BLOCK, "key_id": "pw-1"},
        None, lambda r: r is None,
    ),
    (
        "check_password",
        lambda c: c.check_password(
            "BANK-1", EncryptedPassword(encrypted_password=SecretStr(SECRET_BLOCK), key_id="pw-1")
        ),
        {"valid": False, "password_set": True},
        "POST", "/api/v1/customers/BANK-1/password-checks", {}, {"encrypted_password": SECRET_BLOCK, "key_id": "pw-1"},
        None, lambda r: (r.valid, r.password_set) == (False, True),
    ),
    (
        "password_set", lambda c: c.password_set("BANK-1"), {"password_set": True},
        "GET", "/api/v1/customers/BANK-1/password", {}, None, None, lambda r: r is True,
    ),
    (
        "card_limits", lambda c: c.card_limits("card_1"), LIMITS,
        "GET", "/api/v1/cards/card_1/limits", {}, None, None, lambda r: r.limits[0].amount == 50_000,
    ),
    (
        "set_card_limit", lambda c: c.set_card_limit("card_1", "cash", 70_000, "BYN"),
        LIMITS | {"limits": [{"kind": "cash", "period": "day", "amount": 70_000, "maximum": 200_000}]},
        "PUT", "/api/v1/cards/card_1/limits/cash", {}, {"amount": 70_000, "currency": "BYN"}, None,
        lambda r: r.limits[0].amount == 70_000,
    ),
    (
        "order_plastic",
        lambda c: c.order_plastic(OrderPlasticRequest(
            card_id="card_1", address=DeliveryAddress(city="Minsk", street="Nezavisimosti", house="4"),
            idempotency_key="plastic:card_1:1",
        )),
        PLASTIC, "POST", "/api/v1/cards/card_1/plastic-orders", {},
        {"address": {"city": "Minsk", "street": "Nezavisimosti", "house": "4"}}, "plastic:card_1:1",
        lambda r: (r.order_id, r.status) == ("po_1", "ordered"),
    ),
    (
        "plastic_order", lambda c: c.plastic_order("po_1"), PLASTIC | {"status": "sent"},
        "GET", "/api/v1/plastic-orders/po_1", {}, None, None, lambda r: r.status == "sent",
    ),
    (
        "balance", lambda c: c.balance("acc_1"),
        {"account_id": "acc_1", "balance": -1234, "credit_limit": 10_000, "holds": 100, "currency": "BYN"},
        "GET", "/api/v1/accounts/acc_1/balance", {}, None, None,
        lambda r: (r.ledger_balance, r.credit_limit, r.holds, r.available) == (-1234, 10_000, 100, 8_666),
    ),
    (
        "requisites", lambda c: c.requisites("acc_1"),
        {"account_id": "acc_1", "iban": IBAN, "currency": "BYN", "holder_name": "ANNA IVANOVA",
         "bank_name": "Messenger Bank", "bic": "MBNKBY2X", "bank_taxpayer_number": "190000001"},
        "GET", "/api/v1/accounts/acc_1/requisites", {}, None, None, lambda r: r.iban == IBAN,
    ),
    (
        "history", lambda c: c.history("acc_1", 5),
        {"operations": [{"operation_id": "op_1", "kind": "debit", "amount": -500, "currency": "BYN",
                         "created_at": "2026-03-02T12:00:00+00:00"}]},
        "GET", "/api/v1/accounts/acc_1/operations", {"limit": "5"}, None, None,
        lambda r: [(x.operation_id, x.amount) for x in r] == [("op_1", -500)],
    ),
    (
        "history-default-limit", lambda c: c.history("acc_1"), {"operations": []},
        "GET", "/api/v1/accounts/acc_1/operations", {"limit": "20"}, None, None, lambda r: r == [],
    ),
]  # fmt: skip
IDS = [c[0] for c in CALLS]


@pytest.mark.parametrize(("name", "call", "answer", "method", "path", "query", "body", "key", "read"), CALLS, ids=IDS)
def test_a_call_is_sent_as_core_banking_expects_and_its_answer_read(
    name: str, call: Callable[[CoreClient], Any], answer: dict[str, Any], method: str, path: str,
    query: dict[str, str], body: Any, key: str | None, read: Callable[[Any], bool],
) -> None:  # fmt: skip
    wire = Wire(httpx.Response(200, json=answer))

    assert read(call(core(wire)))

    request = wire.request
    assert (request.method, request.url.path, dict(request.url.params)) == (method, path, query)
    assert (wire.body() if request.content else None) == body
    assert request.headers.get("Idempotency-Key") == key


@pytest.mark.parametrize(("name", "call", "answer", "method", "path", "query", "body", "key", "read"), CALLS, ids=IDS)
def test_every_core_call_may_be_repeated_after_a_timeout(
    name: str, call: Callable[[CoreClient], Any], answer: dict[str, Any], method: str, path: str,
    query: dict[str, str], body: Any, key: str | None, read: Callable[[Any], bool],
) -> None:  # fmt: skip
    """Reads, and changes that are the same done twice, are idempotent by nature; the rest carry a key."""
    wire = Wire(timeout, httpx.Response(200, json=answer))

    assert read(call(core(wire)))
    assert len(wire.seen) == 2
    assert [r.headers.get("Idempotency-Key") for r in wire.seen] == [key, key]


def test_a_list_missing_from_the_answer_is_empty() -> None:
    assert core(Wire(httpx.Response(200, json={}))).cards("BANK-1") == []
    assert core(Wire(httpx.Response(200, json={}))).history("acc_1") == []


def test_a_password_status_missing_from_the_answer_is_not_set() -> None:
    assert core(Wire(httpx.Response(200, json={}))).password_set("BANK-1") is False


@pytest.mark.parametrize(
    ("status", "code", "refusal"),
    [
        (422, "insufficient_funds", InsufficientFunds),
        (422, "limit_exceeded", LimitExceeded),
        (404, "card_not_found", CardNotFound),
        (404, "account_not_found", CardNotFound),
        (422, "card_blocked", CardBlocked),
        (404, "customer_not_found", CustomerNotFound),
        (409, "idempotency_conflict", IdempotencyConflict),
        (422, "limit_above_maximum", CardLimitAboveMaximum),
        (422, "debit_already_settled", OperationRejected),
    ],
)
def test_each_refusal_of_core_banking_is_its_domain_error(status: int, code: str, refusal: type[DomainError]) -> None:
    wire = Wire(error(status, code))

    with pytest.raises(DomainError) as caught:
        core(wire).set_card_limit("card_1", "cash", 1, "BYN")
    assert type(caught.value) is refusal
    assert caught.value.details == {"system": "core", "code": code, "status": status}
    assert len(wire.seen) == 1


def test_core_banking_down_for_longer_than_the_retries_is_unavailable() -> None:
    wire = Wire(httpx.Response(503))

    with pytest.raises(BankSystemUnavailable):
        core(wire).balance("acc_1")
    assert len(wire.seen) == 3
