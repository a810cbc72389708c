"""Top-up: the acquirer's signed callback resumes the wait once; the credit follows the acquirer's own
status and happens once; anything but a paid top-up leaves the balance alone."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from messenger_bank.banking.clients.acquirer import AcquirerClient
from messenger_bank.banking.models.acquirer import TopUp
from messenger_bank.banking.models.core import CreditRequest, Operation
from messenger_bank.http import HttpRequest
from messenger_bank.journeys.service import WaitNotFound
from messenger_bank.topup.errors import TopUpMismatch, TopUpNotPaid
from messenger_bank.topup.models import TopUpState
from messenger_bank.topup.service import accept_acquirer_callback, credit_topup
from tests.support.idempotency import Replays

SECRET = "callback-secret"
TOPUP_ID = "topup-0123456789abcdef-1"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def payment(status: str = "succeeded", amount: int = 2_500, order_id: str = TOPUP_ID) -> dict[str, Any]:
    return {
        "payment_id": "pay_1",
        "order_id": order_id,
        "amount": amount,
        "currency": "BYN",
        "status": status,
        "payment_url": "http://acquirer/pay/pay_1",
        "masked_pan": "411111******1111",
        "expires_at": NOW.isoformat(),
    }


def callback(status: str = "succeeded", *, secret: str = SECRET) -> HttpRequest:
    """The acquirer's POST as the edge hands it over, signed as the acquirer signs."""
    body = json.dumps({"event_id": "evt_1", "type": f"payment.{status}", "payment": payment(status)})
    stamp = str(int(time.time()))
    mac = hmac.new(secret.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return HttpRequest(body=body.encode(), headers={"x-signature-timestamp": stamp, "x-signature": f"sha256={mac}"})


@dataclass
class Waits:
    """journeys.complete as a conditional delete: the first completion wins, later ones find nothing."""

    parked: set[str] = field(default_factory=lambda: {f"{TOPUP_ID}:acquirer"})
    completed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def complete(self, reference: str, outcome: dict[str, Any]) -> None:
        if reference not in self.parked:
            raise WaitNotFound(reference)
        self.parked.discard(reference)
        self.completed.append((reference, outcome))


def accept(event: HttpRequest, waits: Waits) -> int:
    acquirer = AcquirerClient(rest=None, callback_secret=SECRET)  # type: ignore[arg-type]
    return accept_acquirer_callback(event, verify=acquirer.verify_callback, complete=waits.complete).status


def test_a_signed_callback_resumes_the_waiting_top_up_once() -> None:
    waits = Waits()
    event = callback()

    assert accept(event, waits) == 200
    assert accept(event, waits) == 200  # the acquirer's retry: acknowledged, nothing resumed again

    assert waits.completed == [(f"{TOPUP_ID}:acquirer", {"status": "succeeded", "payment_id": "pay_1"})]


def test_a_forged_callback_is_refused_and_resumes_nothing() -> None:
    waits = Waits()

    assert accept(callback(secret="not-the-secret"), waits) == 401
    assert accept(HttpRequest(body=callback().body), waits) == 401
    assert waits.completed == []


@dataclass
class FakeAcquirer:
    answer: dict[str, Any]

    def payment(self, payment_id: str) -> TopUp:
        return TopUp.model_validate(self.answer)


@dataclass
class FakeCore:
    """Credits as the sandbox makes them: once per key (the same body replays the first answer), and a
    key reused with another body is a conflict (tests/support/idempotency.py)."""

    replays: Replays = field(default_factory=Replays)
    credited: list[CreditRequest] = field(default_factory=list)
    ledger_balance: int = 0  # the card account's, signed: below zero is credit in use

    def credit(self, request: CreditRequest) -> Operation:
        def work() -> Operation:
            self.credited.append(request)
            self.ledger_balance += request.amount
            return Operation.model_validate(
                {"operation_id": f"op-{len(self.credited)}", "kind": "credit", "amount": request.amount,
                 "currency": request.currency, "status": "completed", "created_at": NOW,
                 "balance_after": self.ledger_balance}
            )  # fmt: skip

        return self.replays.once("credit", request, work)


STATE = TopUpState(
    customer_id="cus-1",
    amount_minor=2_500,
    currency="BYN",
    chat_key="telegram:1",
    topup_id=TOPUP_ID,
    card_id="card-1",
    payment_id="pay_1",
)


def credit(acquirer: FakeAcquirer, core: FakeCore) -> TopUpState:
    return credit_topup(STATE, acquirer=acquirer, core=core)  # type: ignore[arg-type]


def test_a_paid_top_up_credits_the_card_once_with_a_key_from_the_payment() -> None:
    core = FakeCore()

    first = credit(FakeAcquirer(payment("succeeded")), core)
    again = credit(FakeAcquirer(payment("succeeded")), core)

    assert first.credit_id == again.credit_id == "op-1"
    assert [(c.idempotency_key, c.source, c.amount) for c in core.credited] == [
        ("topup:pay_1:credit", "acquiring", 2_500)
    ]


@pytest.mark.parametrize("status", ["failed", "expired", "created", "3ds_required"])
def test_a_top_up_that_was_not_paid_credits_nothing(status: str) -> None:
    core = FakeCore()

    with pytest.raises(TopUpNotPaid):
        credit(FakeAcquirer(payment(status)), core)
    assert core.credited == []


def test_a_payment_that_is_not_this_top_ups_is_never_credited() -> None:
    core = FakeCore()

    with pytest.raises(TopUpMismatch):
        credit(FakeAcquirer(payment("succeeded", amount=999_999)), core)
    with pytest.raises(TopUpMismatch):
        credit(FakeAcquirer(payment("succeeded", order_id="topup-other-1")), core)
    assert core.credited == []


@pytest.mark.parametrize(
    ("case", "before", "repaid", "still_used"),
    [
        ("no credit in use: all of it is own money", 0, 0, 0),
        ("a debt larger than the top-up: all of it repays", -3_000, 2_500, 500),
        ("a debt exactly the top-up: all of it repays, none left", -2_500, 2_500, 0),
        ("a debt one kopeck smaller: one kopeck is own money", -2_499, 2_499, 0),
        ("a smaller debt: that much repays, the rest is own money", -1_000, 1_000, 0),
    ],
)
def test_a_top_up_repays_credit_in_use_first_and_the_receipt_says_how_much(
    case: str, before: int, repaid: int, still_used: int
) -> None:
    core = FakeCore(ledger_balance=before)

    first = credit(FakeAcquirer(payment("succeeded")), core)
    again = credit(FakeAcquirer(payment("succeeded")), core)  # a retried step: the bank replays its answer

    assert (first.repaid_minor, first.repaid, first.credit_used) == (
        repaid,
        f"{repaid // 100}.{repaid % 100:02d} BYN",
        f"{still_used // 100}.{still_used % 100:02d} BYN",
    ), case
    assert again == first
