"""Each call of the Cerberus client on the wire (what it sends, whether it may be repeated) and the answer it reads;
shaped as the sandbox's Cerberus answers (local/sandbox/cerberus.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from messenger_bank.banking.clients.cerberus import CODES, CerberusClient
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.models import Identity
from messenger_bank.errors import BankSystemUnavailable, InvalidOneTimeCode, OperationRejected
from tests.unit.banking.wire import POLICY, TIMEOUT, Wire, error, timeout

PERSON = Identity(
    first_name="Anna", last_name="Ivanova", middle_name="Petrovna", birth_date=date(1990, 5, 17),
    document_number="MP1234567", personal_number="4170590A001PB5", issue_date=date(2020, 1, 9), phone="+375291234567",
)  # fmt: skip


def cerberus(wire: Wire) -> CerberusClient:
    return CerberusClient(
        RestClient("cerberus", "https://cerberus.test", timeout=TIMEOUT, policy=POLICY, api_key="k", codes=CODES,
                   client=wire.client)
    )  # fmt: skip


# (name, call, answer, path, body, what the caller gets back)
Call = tuple[str, Callable[[CerberusClient], Any], dict[str, Any], str, dict[str, Any], Callable[[Any], bool]]
REPEATABLE: list[Call] = [
    (
        "screen", lambda c: c.screen(PERSON),
        {"screening_id": "scr-1", "decision": "rejected", "reasons": ["sanctions"], "existing_customer_id": "BANK-1"},
        "/api/v1/screenings",
        {"first_name": "Anna", "last_name": "Ivanova", "middle_name": "Petrovna", "birth_date": "1990-05-17",
         "personal_number": "4170590A001PB5", "document_number": "MP1234567", "phone": "+375291234567"},
        lambda r: (r.decision, r.reasons, r.existing_customer_id) == ("rejected", ["sanctions"], "BANK-1"),
    ),
    (
        "phone_belongs", lambda c: c.phone_belongs("+375291234567", "BANK-1"), {"belongs": True},
        "/api/v1/phone-checks", {"phone": "+375291234567", "customer_id": "BANK-1"}, lambda r: r is True,
    ),
    (
        "card_belongs", lambda c: c.card_belongs("card_1", "BANK-1"), {"belongs": True},
        "/api/v1/card-checks", {"card_id": "card_1", "customer_id": "BANK-1"}, lambda r: r is True,
    ),
    (
        "prove_card", lambda c: c.prove_card("+375291234567", SecretStr("4000110000001111"), "03/29"),
        {"proven": True, "customer_id": "BANK-1"},
        "/api/v1/card-proofs", {"phone": "+375291234567", "pan": "4000110000001111", "expiry": "03/29"},
        lambda r: (r.proven, r.customer_id) == (True, "BANK-1"),
    ),
    (
        "score_credit", lambda c: c.score_credit("BANK-1"),
        {"scoring_id": "crs-1", "decision": "approved", "credit_limit": 10_000, "currency": "BYN"},
        "/api/v1/credit-scorings", {"customer_id": "BANK-1"},
        lambda r: (r.decision, r.credit_limit, r.currency) == ("approved", 10_000, "BYN"),
    ),
]  # fmt: skip
ONCE: list[Call] = [
    (
        "send_code", lambda c: c.send_code("+375291234567", "signin"),
        {"otp_id": "otp-1", "expires_at": "2026-03-02T12:05:00+00:00"},
        "/api/v1/otp", {"phone": "+375291234567", "purpose": "signin"}, lambda r: r.otp_id == "otp-1",
    ),
    (
        "check_code", lambda c: c.check_code("otp-1", "123456"), {"valid": False, "attempts_left": 2},
        "/api/v1/otp/otp-1/verify", {"code": "123456"}, lambda r: (r.valid, r.attempts_left) == (False, 2),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call", "answer", "path", "body", "read"), REPEATABLE + ONCE)
def test_a_call_is_sent_as_cerberus_expects_and_its_answer_read(
    name: str, call: Callable[[CerberusClient], Any], answer: dict[str, Any], path: str, body: dict[str, Any],
    read: Callable[[Any], bool],
) -> None:  # fmt: skip
    wire = Wire(httpx.Response(200, json=answer))

    assert read(call(cerberus(wire)))
    assert (wire.request.method, wire.request.url.path, wire.body()) == ("POST", path, body)
    assert "Idempotency-Key" not in wire.request.headers


@pytest.mark.parametrize(("name", "call", "answer", "path", "body", "read"), REPEATABLE)
def test_a_check_without_side_effect_is_repeated_after_a_timeout(
    name: str, call: Callable[[CerberusClient], Any], answer: dict[str, Any], path: str, body: dict[str, Any],
    read: Callable[[Any], bool],
) -> None:  # fmt: skip
    wire = Wire(timeout, httpx.Response(200, json=answer))

    assert read(call(cerberus(wire)))
    assert len(wire.seen) == 2


@pytest.mark.parametrize(("name", "call", "answer", "path", "body", "read"), ONCE)
def test_sending_or_checking_a_code_is_never_repeated(
    name: str, call: Callable[[CerberusClient], Any], answer: dict[str, Any], path: str, body: dict[str, Any],
    read: Callable[[Any], bool],
) -> None:  # fmt: skip
    """A repeat would send a second SMS, or count a second wrong attempt against the code."""
    wire = Wire(timeout, httpx.Response(200, json=answer))

    with pytest.raises(BankSystemUnavailable):
        call(cerberus(wire))
    assert len(wire.seen) == 1


@pytest.mark.parametrize("check", ["phone_belongs", "card_belongs"])
@pytest.mark.parametrize("answer", [{"belongs": False}, {}], ids=["no", "silent"])
def test_an_ownership_not_confirmed_is_false(check: str, answer: dict[str, Any]) -> None:
    client = cerberus(Wire(httpx.Response(200, json=answer)))

    assert getattr(client, check)("x", "BANK-1") is False


def test_a_screening_of_a_person_without_middle_name_or_phone_sends_them_empty() -> None:
    wire = Wire(httpx.Response(200, json={"screening_id": "scr-1", "decision": "clear"}))
    person = PERSON.model_copy(update={"middle_name": None, "phone": None})

    assert cerberus(wire).screen(person).reasons == []
    assert wire.body()["middle_name"] is None and wire.body()["phone"] is None
    assert "issue_date" not in wire.body()


def test_an_unknown_code_id_is_an_invalid_code() -> None:
    with pytest.raises(InvalidOneTimeCode) as caught:
        cerberus(Wire(error(404, "otp_not_found"))).check_code("otp-x", "123456")
    assert caught.value.details == {"system": "cerberus", "code": "otp_not_found", "status": 404}


def test_a_malformed_request_is_rejected() -> None:
    with pytest.raises(OperationRejected) as caught:
        cerberus(Wire(error(400, "invalid_request"))).prove_card("+375291234567", SecretStr("11"), "3/29")
    assert type(caught.value) is OperationRejected


@pytest.mark.parametrize(
    "answer",
    [
        {"scoring_id": "crs-1", "decision": "refused", "credit_limit": 10_000, "currency": "BYN"},
        {"scoring_id": "crs-1", "decision": "approved", "credit_limit": 0, "currency": "BYN"},
        {"scoring_id": "crs-1", "decision": "approved", "credit_limit": -1, "currency": "BYN"},
    ],
    ids=["refused-with-a-limit", "approved-without-one", "a-negative-limit"],
)
def test_a_scoring_that_contradicts_itself_is_not_taken_as_a_credit_line(answer: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        cerberus(Wire(httpx.Response(200, json=answer))).score_credit("BANK-1")
