"""Each rule of a top-up, tested from a valid payment, callback or state with one thing changed: the
acquirer's payment must be this top-up's in every figure (one kopeck either side is a mismatch), only a
succeeded payment is credited, and only once; the callback must be signed, fresh (both sides of the
tolerance) and small; starting a top-up needs an active card."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from messenger_bank.banking.clients.acquirer import AcquirerClient
from messenger_bank.banking.models.acquirer import TopUp, TopUpRequest
from messenger_bank.customers.models import Card
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.errors import CardNotFound
from messenger_bank.http import HttpRequest
from messenger_bank.topup.errors import TopUpMismatch
from messenger_bank.topup.models import TopUpState
from messenger_bank.topup.service import MAX_CALLBACK_BYTES, accept_acquirer_callback, credit_topup, start_topup
from messenger_bank.topup.settings import TopUpSettings
from tests.unit.topup.test_topup import NOW, SECRET, STATE, TOPUP_ID, FakeAcquirer, FakeCore, Waits, payment

STAMP = 1_772_452_800  # 2026-03-02 12:00 UTC


def credit(answer: dict[str, Any], core: FakeCore, state: TopUpState = STATE) -> TopUpState:
    return credit_topup(state, acquirer=FakeAcquirer(answer), core=core)  # type: ignore[arg-type]


# --- the acquirer's payment must be this top-up's -----------------------------------------------------------
@pytest.mark.parametrize(
    ("field_name", "value"),
    [("amount", 2_499), ("amount", 2_501), ("order_id", "topup-other-1"), ("currency", "USD"), ("payment_id", "pay_2")],
)
def test_a_payment_differing_from_the_top_up_in_one_figure_is_never_credited(field_name: str, value: Any) -> None:
    core = FakeCore()

    with pytest.raises(TopUpMismatch):
        credit({**payment("succeeded"), field_name: value}, core)
    assert core.credited == []


def test_the_credit_is_the_payments_amount_to_the_top_ups_card_from_acquiring(world_core: FakeCore) -> None:
    done = credit(payment("succeeded"), world_core)

    [credited] = world_core.credited
    assert (credited.card_id, credited.amount, credited.currency, credited.source) == (
        "card-1",
        2_500,
        "BYN",
        "acquiring",
    )
    assert (credited.counterparty, done.outcome) == ("411111******1111", "completed")


def test_a_top_up_without_its_card_credits_nothing(world_core: FakeCore) -> None:
    with pytest.raises(ValueError, match="needs the card"):
        credit(payment("succeeded"), world_core, STATE.model_copy(update={"card_id": None}))
    assert world_core.credited == []


def test_a_retried_credit_replays_the_first_and_never_credits_twice(world_core: FakeCore) -> None:
    first = credit(payment("succeeded"), world_core)
    again = credit(payment("succeeded"), world_core)

    assert first.credit_id == again.credit_id
    assert len(world_core.credited) == 1 and world_core.replays.conflicts == []


@pytest.fixture
def world_core() -> FakeCore:
    return FakeCore()


# --- the callback ---------------------------------------------------------------------------------------------
def signed(body: str, stamp: int = STAMP, secret: str = SECRET) -> HttpRequest:
    mac = hmac.new(secret.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return HttpRequest(
        body=body.encode(), headers={"x-signature-timestamp": str(stamp), "x-signature": f"sha256={mac}"}
    )


def event_body(kind: str = "payment.succeeded", padding: str = "") -> str:
    return json.dumps({"event_id": "evt_1", "type": kind, "payment": payment("succeeded"), "padding": padding})


def accept_at(event: HttpRequest, waits: Waits, now: int) -> int:
    acquirer = AcquirerClient(rest=None, callback_secret=SECRET)  # type: ignore[arg-type]
    answer = accept_acquirer_callback(
        event, verify=lambda b, t, s: acquirer.verify_callback(b, t, s, now=now), complete=waits.complete
    )
    return answer.status


@pytest.mark.parametrize(("age", "status"), [(300, 200), (301, 401), (-300, 200), (-301, 401)])
def test_a_callback_is_fresh_for_five_minutes_either_way_and_not_a_second_more(age: int, status: int) -> None:
    waits = Waits()

    assert accept_at(signed(event_body()), waits, STAMP + age) == status
    assert len(waits.completed) == (1 if status == 200 else 0)


def test_a_callback_whose_body_was_changed_after_signing_is_refused() -> None:
    signed_event = signed(event_body())
    event = signed_event.model_copy(update={"body": signed_event.body.replace(b"2500", b"250000")})
    waits = Waits()

    assert accept_at(event, waits, STAMP) == 401
    assert waits.completed == []


def test_a_callback_of_the_largest_size_is_read_and_one_byte_more_is_refused_unread() -> None:
    bare = len(event_body().encode())
    largest = event_body(padding="x" * (MAX_CALLBACK_BYTES - bare))
    waits = Waits()

    assert len(largest.encode()) == MAX_CALLBACK_BYTES
    assert accept_at(signed(largest), waits, STAMP) == 200
    assert accept_at(signed(largest + " "), Waits(), STAMP) == 413


@pytest.mark.parametrize("kind", ["payment.created", "payment.3ds_required"])
def test_a_callback_that_is_not_final_resumes_nothing(kind: str) -> None:
    waits = Waits()

    assert accept_at(signed(event_body(kind)), waits, STAMP) == 200
    assert waits.completed == []


def test_a_signed_callback_that_is_not_an_event_is_malformed() -> None:
    assert accept_at(signed('{"event_id": "evt_1"}'), Waits(), STAMP) == 400


# --- starting ---------------------------------------------------------------------------------------------------
@dataclass
class CreatingAcquirer:
    created: list[TopUpRequest] = field(default_factory=list)

    def create_payment(self, request: TopUpRequest) -> TopUp:
        self.created.append(request)
        return TopUp.model_validate({**payment("created"), "order_id": request.order_id, "amount": request.amount})


@pytest.fixture
def customers(customers_table: Any) -> CustomersRepository:
    return CustomersRepository(customers_table)


def start(customers: CustomersRepository, acquirer: CreatingAcquirer) -> TopUpState:
    state = TopUpState(
        customer_id="cus-1", amount_minor=2_500, currency="BYN", chat_key="telegram:1", topup_id=TOPUP_ID
    )
    return start_topup(state, settings=TopUpSettings(), customers_repository=customers, acquirer=acquirer)  # type: ignore[arg-type]


def card(card_id: str, status: str = "active") -> Card:
    return Card(
        card_id=card_id, customer_id="cus-1", mask="400011******0001", expiry="03/31", issued_at=NOW,
        status=status,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_top_up_is_created_for_the_order_amount_and_card_with_a_key_from_the_top_up(
    customers: CustomersRepository,
) -> None:
    customers.put_card(card("card-1"))
    acquirer = CreatingAcquirer()

    state = start(customers, acquirer)

    [created] = acquirer.created
    assert (created.order_id, created.amount, created.idempotency_key) == (TOPUP_ID, 2_500, f"topup:{TOPUP_ID}:create")
    assert (state.card_id, state.payment_id, state.amount) == ("card-1", "pay_1", "25.00 BYN")


def test_a_top_up_to_a_blocked_card_is_refused_before_the_acquirer_is_asked(customers: CustomersRepository) -> None:
    customers.put_card(card("card-1", status="blocked"))
    acquirer = CreatingAcquirer()

    with pytest.raises(CardNotFound):
        start(customers, acquirer)
    assert acquirer.created == []
