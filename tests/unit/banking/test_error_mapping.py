"""Every failure of a bank system becomes one domain error; retries only where they are safe."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from messenger_bank.banking.clients.billing import BillingClient
from messenger_bank.banking.clients.core import CODES, CoreClient
from messenger_bank.banking.clients.http import RetryPolicy
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.clients.soap import SoapClient
from messenger_bank.banking.models.core import DebitRequest, TransferRequest
from messenger_bank.errors import (
    BankAuthenticationFailed,
    BankProtocolError,
    BankSystemUnavailable,
    CardBlocked,
    CardNotFound,
    DomainError,
    IdempotencyConflict,
    InsufficientFunds,
    LimitExceeded,
    OperationRejected,
    PayeeAccountNotFound,
)

POLICY = RetryPolicy(max_retries=2, backoff_base=0.0, backoff_max=0.0)
NO_WAIT = httpx.Timeout(1.0)


def core_answering(handler: Callable[[httpx.Request], httpx.Response]) -> tuple[CoreClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = httpx.Client(transport=httpx.MockTransport(record))
    rest = RestClient(
        "core", "http://core.test", timeout=NO_WAIT, policy=POLICY, api_key="k", codes=CODES, client=client
    )
    return CoreClient(rest), seen


def refusal(status: int, code: str) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _: httpx.Response(status, json={"error": {"code": code, "message": code}})


DEBIT = DebitRequest(card_id="card_1", amount=100, currency="BYN", idempotency_key="debit-0001")


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (422, "insufficient_funds", InsufficientFunds),
        (422, "limit_exceeded", LimitExceeded),
        (404, "card_not_found", CardNotFound),
        (404, "account_not_found", CardNotFound),
        (422, "card_blocked", CardBlocked),
        (409, "idempotency_conflict", IdempotencyConflict),
        (422, "something_new", OperationRejected),
        (401, "invalid_token", BankAuthenticationFailed),
        (403, "forbidden", BankAuthenticationFailed),
    ],
)
def test_a_refusal_becomes_its_domain_error(status: int, code: str, error: type[DomainError]) -> None:
    core, seen = core_answering(refusal(status, code))
    with pytest.raises(error):
        core.debit(DEBIT)
    assert len(seen) == 1  # business refusals are never retried


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_a_money_call_with_a_key_is_retried_with_the_same_key_then_unavailable(status: int) -> None:
    core, seen = core_answering(lambda _: httpx.Response(status))
    with pytest.raises(BankSystemUnavailable):
        core.debit(DEBIT)
    assert len(seen) == 3
    assert {r.headers["Idempotency-Key"] for r in seen} == {"debit-0001"}


def test_a_timeout_is_retried_then_unavailable() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    core, seen = core_answering(hang)
    with pytest.raises(BankSystemUnavailable):
        core.transfer(
            TransferRequest(
                from_account_id="a", to_account_id="b", amount=1, currency="BYN", idempotency_key="transfer-0001"
            )
        )
    assert len(seen) == 3


def test_a_money_call_without_a_key_is_never_retried() -> None:
    core, seen = core_answering(lambda _: httpx.Response(503))
    with pytest.raises(BankSystemUnavailable):
        core.rest.call("POST", "/api/v1/debits", operation="debit", json={})
    assert len(seen) == 1


def test_a_transient_failure_then_success_returns_the_answer() -> None:
    answers = iter(
        [httpx.Response(503), httpx.Response(200, json={"account_id": "acc_1", "balance": 5, "currency": "BYN"})]
    )
    core, seen = core_answering(lambda _: next(answers))
    assert core.balance("acc_1").available == 5
    assert len(seen) == 2


def test_malformed_json_is_a_protocol_error() -> None:
    core, _ = core_answering(lambda _: httpx.Response(200, content=b'{"truncated": '))
    with pytest.raises(BankProtocolError):
        core.balance("acc_1")


def test_billing_faults_map_to_domain_errors() -> None:
    body = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>'
        b"<faultcode>soap:Client</faultcode><faultstring>unknown</faultstring><detail>"
        b'<b:error xmlns:b="http://billing.bank.sandbox/v1"><b:code>ACCOUNT_NOT_FOUND</b:code></b:error>'
        b"</detail></soap:Fault></soap:Body></soap:Envelope>"
    )
    transport = httpx.MockTransport(lambda _: httpx.Response(500, content=body))
    soap = SoapClient(
        "billing",
        "http://billing.test/ws",
        "http://billing.bank.sandbox/v1",
        username="u",
        password="p",
        timeout=NO_WAIT,
        policy=POLICY,
        client=httpx.Client(transport=transport),
    )
    with pytest.raises(PayeeAccountNotFound):
        BillingClient(soap).check_account("100101", "+375290001234")


def test_the_error_class_names_are_the_state_machine_names() -> None:
    assert InsufficientFunds.__name__ == "InsufficientFunds"
    assert issubclass(BankAuthenticationFailed, BankSystemUnavailable)
    assert BankSystemUnavailable.transient and not BankAuthenticationFailed.transient
