"""What each top-up step hands on, checked field by field from one valid top-up: the payment is created with the
bank's callback and return addresses and a description naming the card; the card topped up is the customer's
virtual card before a plastic one, the oldest of a kind first; the credit asks the acquirer about this top-up's
payment, carries the top-up as its reference and counts a completed top-up; the callback's answers say what
happened, and a refused one is counted for the alarm."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from messenger_bank.banking.clients.acquirer import AcquirerClient
from messenger_bank.banking.models.acquirer import TopUp, TopUpRequest
from messenger_bank.customers.models import Card
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.errors import OperationRejected
from messenger_bank.http import HttpAnswer, HttpRequest
from messenger_bank.topup.errors import TopUpMismatch, TopUpNotPaid
from messenger_bank.topup.models import TopUpState
from messenger_bank.topup.service import MAX_CALLBACK_BYTES, accept_acquirer_callback, credit_topup, start_topup
from messenger_bank.topup.settings import TopUpSettings
from tests.unit.topup.test_topup import NOW, SECRET, STATE, TOPUP_ID, FakeCore, Waits, payment
from tests.unit.topup.test_topup_rules import STAMP, event_body, signed

Metrics = Callable[[], dict[str, tuple[str, float]]]
SETTINGS = TopUpSettings(
    wait_seconds=900,
    callback_url="https://api.bank.example/callbacks/acquirer",
    return_url="https://t.me/messenger_bank_bot",
)


# --- starting -----------------------------------------------------------------------------------------------------
@dataclass
class CreatingAcquirer:
    created: list[TopUpRequest] = field(default_factory=list)

    def create_payment(self, request: TopUpRequest) -> TopUp:
        self.created.append(request)
        return TopUp.model_validate(
            {**payment("created"), "payment_id": "pay_7", "payment_url": "https://acquirer.example/pay/pay_7"}
        )


@pytest.fixture
def customers(customers_table: Any) -> CustomersRepository:
    return CustomersRepository(customers_table)


def card(card_id: str, kind: str, days_old: int, last4: str = "0001") -> Card:
    return Card.model_validate(
        {
            "card_id": card_id,
            "customer_id": "cus-1",
            "mask": f"400011******{last4}",
            "kind": kind,
            "expiry": "03/31",
            "issued_at": NOW - timedelta(days=days_old),
        }
    )


def start(customers: CustomersRepository, acquirer: CreatingAcquirer) -> TopUpState:
    state = TopUpState(
        customer_id="cus-1", amount_minor=2_500, currency="BYN", chat_key="telegram:1", topup_id=TOPUP_ID
    )
    return start_topup(state, settings=SETTINGS, customers_repository=customers, acquirer=acquirer)  # type: ignore[arg-type]


def test_the_payment_carries_the_banks_callback_and_return_addresses_and_names_the_card(
    customers: CustomersRepository,
) -> None:
    customers.put_card(card("card-1", "virtual", 10))
    acquirer = CreatingAcquirer()

    start(customers, acquirer)

    [created] = acquirer.created
    assert (created.callback_url, created.return_url) == (
        "https://api.bank.example/callbacks/acquirer",
        "https://t.me/messenger_bank_bot",
    )
    assert created.description == "Top-up •• 0001"


def test_the_state_holds_the_link_the_card_and_how_long_to_wait_for_the_payment(
    customers: CustomersRepository,
) -> None:
    customers.put_card(card("card-1", "virtual", 10))

    state = start(customers, CreatingAcquirer())

    assert (state.payment_id, state.payment_url) == ("pay_7", "https://acquirer.example/pay/pay_7")
    assert (state.card_id, state.mask, state.wait_seconds) == ("card-1", "•• 0001", 900)


@pytest.mark.parametrize(
    ("cards", "topped_up"),
    [
        pytest.param(
            [card("card-a", "plastic", 30, "1111"), card("card-b", "virtual", 1, "2222")],
            "card-b",
            id="a-virtual-card-before-an-older-plastic-one",
        ),
        pytest.param(
            [card("card-a", "virtual", 1, "1111"), card("card-b", "virtual", 30, "2222")],
            "card-b",
            id="the-oldest-virtual-card-first",
        ),
        pytest.param(
            [card("card-a", "plastic", 1, "1111"), card("card-b", "plastic", 30, "2222")],
            "card-b",
            id="the-oldest-plastic-card-when-there-is-no-virtual-one",
        ),
    ],
)
def test_the_card_topped_up_is_the_virtual_one_and_the_oldest_of_its_kind(
    customers: CustomersRepository, cards: list[Card], topped_up: str
) -> None:
    for each in cards:
        customers.put_card(each)

    assert start(customers, CreatingAcquirer()).card_id == topped_up


# --- crediting ----------------------------------------------------------------------------------------------------
@dataclass
class Acquirer:
    """The acquirer's payments by id; an id it never issued is refused, as the sandbox refuses it (404)."""

    payments: dict[str, dict[str, Any]]

    def payment(self, payment_id: str) -> TopUp:
        if payment_id not in self.payments:
            raise OperationRejected("no such payment", code="payment_not_found", status=404)
        return TopUp.model_validate(self.payments[payment_id])


def credit(answer: dict[str, Any], core: FakeCore) -> TopUpState:
    acquirer = Acquirer({answer["payment_id"]: answer})
    return credit_topup(STATE, acquirer=acquirer, core=core)  # type: ignore[arg-type]


def test_the_credit_asks_the_acquirer_about_this_top_ups_payment() -> None:
    core = FakeCore()

    assert credit(payment("succeeded"), core).credit_id == "op-1"
    assert [c.amount for c in core.credited] == [2_500]


def test_the_credit_carries_the_top_up_as_its_reference() -> None:
    core = FakeCore()

    credit(payment("succeeded"), core)

    assert [c.reference for c in core.credited] == [TOPUP_ID]


def test_a_completed_top_up_is_counted_once(emitted_metrics: Metrics) -> None:
    credit(payment("succeeded"), FakeCore())

    assert emitted_metrics() == {"TopUpsCompleted": ("Count", 1.0)}


def test_a_top_up_not_paid_is_not_counted_and_says_the_acquirers_status(emitted_metrics: Metrics) -> None:
    with pytest.raises(TopUpNotPaid) as refused:
        credit(payment("expired"), FakeCore())

    assert refused.value.details == {"status": "expired"}
    assert emitted_metrics() == {}


def test_a_mismatched_payment_names_the_acquirers_payment() -> None:
    with pytest.raises(TopUpMismatch) as refused:
        credit({**payment("succeeded"), "amount": 2_501}, FakeCore())

    assert refused.value.details == {"payment_id": "pay_1"}


# --- the callback's answers ---------------------------------------------------------------------------------------
def answer(event: HttpRequest, waits: Waits | None = None) -> HttpAnswer:
    acquirer = AcquirerClient(rest=None, callback_secret=SECRET)  # type: ignore[arg-type]
    return accept_acquirer_callback(
        event,
        verify=lambda b, t, s: acquirer.verify_callback(b, t, s, now=STAMP),
        complete=(waits or Waits()).complete,
    )


@pytest.mark.parametrize(
    ("event", "status", "message"),
    [
        pytest.param(lambda: signed(event_body()), 200, "ok", id="accepted"),
        pytest.param(lambda: signed(event_body("payment.created")), 200, "ignored", id="not-final"),
        pytest.param(lambda: signed(event_body(), secret="forged"), 401, "unauthorized", id="forged"),
        pytest.param(lambda: signed('{"event_id": "evt_1"}'), 400, "malformed callback", id="not-an-event"),
        pytest.param(
            lambda: signed(event_body(padding="x" * MAX_CALLBACK_BYTES)), 413, "body too large", id="too-large"
        ),
    ],
)
def test_each_callback_answer_says_what_happened(event: Callable[[], HttpRequest], status: int, message: str) -> None:
    got = answer(event())

    assert (got.status, json.loads(got.body)) == (status, {"message": message})


def test_a_repeated_callback_is_answered_as_already_handled() -> None:
    waits = Waits()
    event = signed(event_body())
    answer(event, waits)

    got = answer(event, waits)

    assert (got.status, json.loads(got.body)) == (200, {"message": "already handled"})


def test_a_fresh_callback_without_a_signature_is_refused_as_unauthorized() -> None:
    event = signed(event_body())
    unsigned = event.model_copy(update={"headers": {"x-signature-timestamp": event.headers["x-signature-timestamp"]}})
    waits = Waits()

    assert answer(unsigned, waits).status == 401
    assert waits.completed == []


def test_a_refused_callback_is_counted_once_for_the_alarm(emitted_metrics: Metrics) -> None:
    answer(signed(event_body(), secret="forged"))

    assert emitted_metrics() == {"AcquirerCallbacksRefused": ("Count", 1.0)}


def test_an_accepted_callback_is_not_counted_as_refused(emitted_metrics: Metrics) -> None:
    answer(signed(event_body()))

    assert emitted_metrics() == {}
