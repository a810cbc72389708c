"""Each money-moving call of the core client, on the wire: its path, its Idempotency-Key header (never in
the body, so a retry's body is the first one's, byte for byte), retried with the same key and body after
a transient failure, and a conflict (the key known with another body) never retried."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from messenger_bank.banking.clients.core import CODES, CoreClient
from messenger_bank.banking.clients.http import RetryPolicy
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.models.core import CreditRequest, DebitRequest, Operation, RefundRequest, TransferRequest
from messenger_bank.errors import IdempotencyConflict

POLICY = RetryPolicy(max_retries=2, backoff_base=0.0, backoff_max=0.0)
PAN = "4111111111111111"
MASK = "411111******1111"
OPERATION = {
    "operation_id": "op_1",
    "kind": "debit",
    "amount": 100,
    "currency": "BYN",
    "status": "completed",
    "created_at": "2026-03-02T12:00:00+00:00",
}


def core_answering(answers: list[httpx.Response]) -> tuple[CoreClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = iter(answers)

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(queue)

    rest = RestClient(
        "core", "http://core.test", timeout=httpx.Timeout(1.0), policy=POLICY, api_key="k", codes=CODES,
        client=httpx.Client(transport=httpx.MockTransport(record)),
    )  # fmt: skip
    return CoreClient(rest), seen


CALLS: list[tuple[str, str, Callable[[CoreClient], Operation], dict[str, Any]]] = [
    (
        "/api/v1/transfers",
        "request:mr1:pay:0",
        lambda core: core.transfer(
            TransferRequest(
                from_account_id="acc_1", to_account_id="acc_2", amount=100, currency="BYN",
                idempotency_key="request:mr1:pay:0", reference="mr1",
            )
        ),
        {"from_account_id": "acc_1", "to_account_id": "acc_2", "amount": 100, "currency": "BYN", "reference": "mr1"},
    ),
    (
        "/api/v1/debits",
        "transfer:t1:debit",
        lambda core: core.debit(
            DebitRequest(card_id="card_1", amount=5_100, currency="BYN", idempotency_key="transfer:t1:debit",
                         reference="t1", counterparty=MASK)
        ),
        {"card_id": "card_1", "amount": 5_100, "currency": "BYN", "reference": "t1", "counterparty": MASK},
    ),
    (
        "/api/v1/credits",
        "transfer:t1:credit",
        lambda core: core.credit(
            CreditRequest(pan=SecretStr(PAN), debit_id="op_1", amount=5_000, currency="BYN",
                          idempotency_key="transfer:t1:credit", reference="t1")
        ),
        {"pan": PAN, "debit_id": "op_1", "amount": 5_000, "currency": "BYN", "reference": "t1"},
    ),
    (
        "/api/v1/refunds",
        "transfer:t1:refund",
        lambda core: core.refund(
            RefundRequest(debit_id="op_1", amount=5_100, idempotency_key="transfer:t1:refund", reference="t1")
        ),
        {"debit_id": "op_1", "amount": 5_100, "reference": "t1"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("path", "key", "call", "body"), CALLS, ids=[c[0] for c in CALLS])
def test_a_money_call_sends_its_key_as_a_header_and_its_fields_as_the_body(
    path: str, key: str, call: Callable[[CoreClient], Operation], body: dict[str, Any]
) -> None:
    core, seen = core_answering([httpx.Response(200, json=OPERATION)])

    assert call(core).operation_id == "op_1"
    [request] = seen
    assert (request.method, request.url.path, request.headers["Idempotency-Key"]) == ("POST", path, key)
    assert json.loads(request.content) == body  # no key, no masked card number, nothing else


@pytest.mark.parametrize(("path", "key", "call", "body"), CALLS, ids=[c[0] for c in CALLS])
def test_a_money_call_is_retried_after_a_5xx_with_the_same_key_and_the_same_body(
    path: str, key: str, call: Callable[[CoreClient], Operation], body: dict[str, Any]
) -> None:
    core, seen = core_answering([httpx.Response(503), httpx.Response(200, json=OPERATION)])

    call(core)

    assert [r.headers["Idempotency-Key"] for r in seen] == [key, key]
    assert seen[0].content == seen[1].content


@pytest.mark.parametrize(("path", "key", "call", "body"), CALLS, ids=[c[0] for c in CALLS])
def test_a_key_the_bank_knows_with_another_body_is_a_conflict_never_retried(
    path: str, key: str, call: Callable[[CoreClient], Operation], body: dict[str, Any]
) -> None:
    conflict = {"error": {"code": "idempotency_conflict", "message": "this Idempotency-Key was used"}}
    core, seen = core_answering([httpx.Response(409, json=conflict), httpx.Response(200, json=OPERATION)])

    with pytest.raises(IdempotencyConflict):
        call(core)
    assert len(seen) == 1
