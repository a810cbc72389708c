"""Core banking's card details on the wire (``CoreClient.card_details``): the call, and that the number and the CVV
it reads back are secrets, in no repr, dump, error or traceback. Answers shaped as the sandbox's
(local/sandbox/core.py ``card_details``); each case changes one thing from the valid answer."""

from __future__ import annotations

import traceback
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from messenger_bank.banking.clients.core import CODES, CoreClient
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.models.core import CardDetails
from messenger_bank.errors import BankProtocolError, CardBlocked, CardNotFound
from tests.support.pan_oracle import pans_in
from tests.unit.banking.wire import POLICY, TIMEOUT, Wire, error

PAN, CVV = "4276830000000017", "739"
ANSWER: dict[str, Any] = {"card_id": "card_1", "pan": PAN, "expiry": "03/31", "cvv": CVV}


def core(wire: Wire) -> CoreClient:
    return CoreClient(
        RestClient("core", "https://core.test", timeout=TIMEOUT, policy=POLICY, api_key="k", codes=CODES,
                   client=wire.client)
    )  # fmt: skip


def test_the_details_are_read_from_one_get_that_may_be_repeated() -> None:
    wire = Wire(httpx.Response(200, json=ANSWER))

    details = core(wire).card_details("card_1")

    assert (details.card_id, details.expiry) == ("card_1", "03/31")
    assert (details.pan.get_secret_value(), details.cvv.get_secret_value()) == (PAN, CVV)
    request = wire.request
    assert (request.method, request.url.path, request.content) == ("GET", "/api/v1/cards/card_1/details", b"")
    assert "Idempotency-Key" not in request.headers


def test_a_read_that_timed_out_is_asked_again() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer in time", request=request)

    wire = Wire(timeout, httpx.Response(200, json=ANSWER))

    assert core(wire).card_details("card_1").pan.get_secret_value() == PAN
    assert len(wire.seen) == 2


def test_the_number_and_the_cvv_are_in_no_repr_str_or_dump() -> None:
    details = CardDetails.model_validate(ANSWER)

    for shown in (repr(details), str(details), details.model_dump_json(), str(details.model_dump()), f"{details}"):
        assert PAN not in shown and pans_in(shown) == []
        assert CVV not in shown
    assert "03/31" in repr(details)  # the dump still says something: the expiry is no secret


@pytest.mark.parametrize(
    ("code", "status", "refused"), [("card_blocked", 422, CardBlocked), ("card_not_found", 404, CardNotFound)]
)
def test_the_banks_refusal_is_its_domain_error(code: str, status: int, refused: type[Exception]) -> None:
    with pytest.raises(refused):
        core(Wire(error(status, code))).card_details("card_1")


@pytest.mark.parametrize(
    "change",
    [
        {"pan": "4276830000000013"},  # fails the Luhn check (the valid one ends in 7)
        {"pan": "42768300"},  # too short for a card number
        {"cvv": "73"},  # two digits
        {"cvv": "7390"},  # four digits
        {"cvv": "7a9"},
        {"expiry": "13/31"},  # no thirteenth month
        {"expiry": "3/31"},
        {"card_id": "card/1"},
    ],
    ids=["pan-luhn", "pan-short", "cvv-2", "cvv-4", "cvv-letter", "expiry-month", "expiry-format", "card-id"],
)
def test_a_malformed_answer_is_a_protocol_error_that_quotes_nothing(change: dict[str, str]) -> None:
    answer = ANSWER | change

    with pytest.raises(BankProtocolError) as refused:
        core(Wire(httpx.Response(200, json=answer))).card_details("card_1")

    told = "".join(traceback.format_exception(refused.value))
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    for secret in (answer["pan"], answer["cvv"]):
        assert secret not in told.replace("card_details", "")


def test_a_validation_error_of_the_model_itself_quotes_no_secret() -> None:
    with pytest.raises(ValidationError) as refused:
        CardDetails.model_validate(ANSWER | {"cvv": "7390", "pan": "4276830000000013"})

    assert "7390" not in str(refused.value) and "4276830000000013" not in str(refused.value)
