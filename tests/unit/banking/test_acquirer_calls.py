"""The acquirer client: a top-up payment created with its key and read back, and a callback taken only when the
acquirer signed it (local/sandbox/acquirer.py's `sign` is the acquirer's own signer, the oracle here) and it is
fresh: within five minutes either side of now."""

from __future__ import annotations

import json

import httpx
import pytest

from local.sandbox.acquirer import sign
from messenger_bank.banking.clients.acquirer import AcquirerClient
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.models.acquirer import TopUpRequest
from messenger_bank.errors import BankSystemUnavailable, OperationRejected
from tests.unit.banking.wire import POLICY, TIMEOUT, Wire, error, timeout

SECRET = "callback-secret"
NOW = 1_780_000_000
PAYMENT = {
    "payment_id": "pay_1", "order_id": "topup-1", "amount": 5_000, "currency": "BYN", "status": "3ds_required",
    "payment_url": "https://acquirer.test/pay/pay_1", "expires_at": "2026-03-02T12:15:00+00:00",
}  # fmt: skip
EVENT = json.dumps({"event_id": "evt_1", "type": "payment.succeeded", "payment": PAYMENT | {"status": "succeeded"}})


def acquirer(wire: Wire) -> AcquirerClient:
    rest = RestClient(
        "acquirer", "https://acquirer.test", timeout=TIMEOUT, policy=POLICY, api_key="acq-key", client=wire.client
    )
    return AcquirerClient(rest, SECRET)


def test_a_payment_is_created_with_its_key_as_a_header_and_its_fields_as_the_body() -> None:
    wire = Wire(httpx.Response(201, json=PAYMENT))
    request = TopUpRequest(
        order_id="topup-1",
        amount=5_000,
        currency="BYN",
        return_url="https://t.me/bank",
        idempotency_key="topup:1:create",
    )

    payment = acquirer(wire).create_payment(request)

    assert (payment.payment_id, payment.status, payment.payment_url) == (
        "pay_1",
        "3ds_required",
        "https://acquirer.test/pay/pay_1",
    )
    sent = wire.request
    assert (sent.method, sent.url.path, sent.headers["Idempotency-Key"]) == (
        "POST",
        "/api/v1/payments",
        "topup:1:create",
    )
    assert sent.headers["X-API-Key"] == "acq-key"
    assert wire.body() == {"order_id": "topup-1", "amount": 5_000, "currency": "BYN", "return_url": "https://t.me/bank"}


def test_creating_a_payment_is_repeated_with_the_same_key_after_a_timeout() -> None:
    wire = Wire(timeout, httpx.Response(201, json=PAYMENT))
    request = TopUpRequest(order_id="topup-1", amount=5_000, currency="BYN", idempotency_key="topup:1:create")

    acquirer(wire).create_payment(request)

    assert [r.headers["Idempotency-Key"] for r in wire.seen] == ["topup:1:create"] * 2


def test_a_payment_is_read_and_the_read_repeated_after_a_timeout() -> None:
    wire = Wire(timeout, httpx.Response(200, json=PAYMENT | {"status": "succeeded", "masked_pan": "4111******1111"}))

    payment = acquirer(wire).payment("pay_1")

    assert (payment.status, payment.masked_pan) == ("succeeded", "4111******1111")
    assert [(r.method, r.url.path) for r in wire.seen] == [("GET", "/api/v1/payments/pay_1")] * 2


def test_an_unknown_payment_is_rejected() -> None:
    with pytest.raises(OperationRejected) as caught:
        acquirer(Wire(error(404, "payment_not_found"))).payment("pay_x")
    assert caught.value.details == {"system": "acquirer", "code": "payment_not_found", "status": 404}


def test_the_acquirer_down_is_unavailable() -> None:
    with pytest.raises(BankSystemUnavailable):
        acquirer(Wire(httpx.Response(502))).payment("pay_1")


# --- callbacks ----------------------------------------------------------------------------------------------
def verify(body: str = EVENT, timestamp: int | str = NOW, signature: str | None = None, now: float = NOW) -> str:
    signed = signature if signature is not None else sign(SECRET, str(timestamp), body.encode())
    event = acquirer(Wire()).verify_callback(body.encode(), str(timestamp), signed, now=now)
    return f"{event.event_id} {event.type} {event.payment.status}"


@pytest.mark.parametrize("age", [0, 1, 299, 300, -300])
def test_a_signed_callback_within_five_minutes_of_now_is_taken(age: int) -> None:
    assert verify(timestamp=NOW - age) == "evt_1 payment.succeeded succeeded"


@pytest.mark.parametrize("age", [301, -301, 3_600])
def test_a_signed_callback_older_or_newer_than_five_minutes_is_refused(age: int) -> None:
    with pytest.raises(OperationRejected):
        verify(timestamp=NOW - age)


@pytest.mark.parametrize(
    ("signature", "defect"),
    [
        (sign("another-secret", str(NOW), EVENT.encode()), "signed with another secret"),
        (sign(SECRET, str(NOW + 1), EVENT.encode()), "signed for another timestamp"),
        (sign(SECRET, str(NOW), EVENT.encode() + b" "), "signed for another body"),
        (sign(SECRET, str(NOW), EVENT.encode()).removeprefix("sha256="), "without its scheme"),
        (sign(SECRET, str(NOW), EVENT.encode()).upper(), "in another case"),
        ("", "unsigned"),
    ],
    ids=lambda value: value if " " in value else "",
)
def test_a_callback_not_signed_by_the_acquirer_is_refused(signature: str, defect: str) -> None:
    with pytest.raises(OperationRejected):
        verify(signature=signature)


@pytest.mark.parametrize("timestamp", ["", "soon", "1.5e9"])
def test_a_callback_with_a_timestamp_that_is_not_a_number_is_refused(timestamp: str) -> None:
    with pytest.raises(OperationRejected):
        verify(timestamp=timestamp, signature=sign(SECRET, timestamp, EVENT.encode()))


def test_without_a_now_the_clock_says_what_is_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    from messenger_bank.banking.clients import acquirer as module

    monkeypatch.setattr(module.time, "time", lambda: NOW + 301.0)
    client = acquirer(Wire())

    with pytest.raises(OperationRejected):
        client.verify_callback(EVENT.encode(), str(NOW), sign(SECRET, str(NOW), EVENT.encode()))
    assert client.verify_callback(EVENT.encode(), str(NOW + 1), sign(SECRET, str(NOW + 1), EVENT.encode()))
