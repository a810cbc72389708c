"""The plastic card journey's steps as the state machine calls them, and the core-banking events that
move it on: order once, follow the order, resume each wait exactly once whichever comes first."""

from __future__ import annotations

import json
from typing import Any

import pytest

from messenger_bank.errors import CardNotFound
from messenger_bank.http import HttpRequest
from messenger_bank.plastic import service
from messenger_bank.plastic.errors import AddressNotFound, AddressNotUnderstood, PlasticOrderOverdue
from messenger_bank.plastic.models import (
    AwaitStatusRequest,
    PlasticState,
    PlasticStatus,
    SaveAddressRequest,
    StatusEvent,
)
from tests.unit.plastic.conftest import CARD, CUSTOMER, NOW, World

EXECUTION = "plastic_card_order-run1-1"
REFERENCE = f"{EXECUTION}:status"
CLOCK = NOW.timestamp()


def saved_address(world: World, text: str = "г. Минск, ул. Ленина, д. 5, кв. 12") -> str:
    request = SaveAddressRequest(customer_id=CUSTOMER, address=text)
    return service.save_delivery_address(request, repository=world.plastic).address_id


def ordered(world: World, **changes: Any) -> PlasticState:
    state = PlasticState.model_validate(
        {
            "customer_id": CUSTOMER,
            "card_id": CARD,
            "address_id": saved_address(world),
            "chat_key": "telegram:1",
            "language": "be",
            "execution": EXECUTION,
            **changes,
        }
    )
    return service.order_plastic(
        state, repository=world.plastic, customers_repository=world.customers, core=world.core, clock=lambda: CLOCK
    )  # type: ignore[arg-type]


def await_status(world: World, state: PlasticState, awaiting: PlasticStatus, task: str = "token-1") -> bool:
    assert state.order_id is not None
    request = AwaitStatusRequest(
        execution=state.execution,
        order_id=state.order_id,
        awaiting=awaiting,
        task_token=task,
        chat_key=state.chat_key,
        track_until=state.track_until,
    )
    parked = service.await_status(
        request, repository=world.plastic, park=world.waits.park, complete=world.waits.complete, clock=lambda: CLOCK
    )
    return parked.resumed


def event(world: World, order_id: str, status: PlasticStatus) -> service.EventOutcome | None:
    return service.record_status_event(
        StatusEvent(order_id=order_id, status=status), repository=world.plastic, complete=world.waits.complete
    )


# --- the address -------------------------------------------------------------------------------------
def test_the_address_is_kept_under_its_customer_split_for_the_bank(world: World) -> None:
    address_id = saved_address(world)

    kept = world.plastic.address(CUSTOMER, address_id)
    assert kept is not None and kept.text == "г. Минск, ул. Ленина, д. 5, кв. 12"
    assert (kept.delivery.city, kept.delivery.street, kept.delivery.house, kept.delivery.flat) == (
        "Минск",
        "ул. Ленина",
        "5",
        "12",
    )
    assert world.plastic.address("someone-else", address_id) is None


def test_the_same_address_typed_twice_is_one_address(world: World) -> None:
    assert saved_address(world) == saved_address(world, "г. Минск,  ул. Ленина, д. 5, кв. 12")


def test_an_address_without_a_street_is_refused_so_the_conversation_asks_again(world: World) -> None:
    with pytest.raises(AddressNotUnderstood):
        saved_address(world, "Minsk 5 street")


# --- the order ---------------------------------------------------------------------------------------
def test_ordering_asks_the_bank_once_with_a_key_from_the_execution(world: World) -> None:
    first = ordered(world)
    again = ordered(world)  # a retried step or a re-driven execution

    assert first.order_id == again.order_id == "ord_1"
    assert {r.idempotency_key for r in world.core.requests} == {f"plastic:{EXECUTION}"}
    assert world.core.requests[0].address.city == "Минск"
    assert (first.status, first.mask, first.track_until) == (
        "ordered",
        "400011******0001",
        int(CLOCK) + service.TRACKING_SECONDS,
    )
    tracked = world.plastic.order("ord_1")
    assert tracked is not None and (tracked.execution, tracked.status) == (EXECUTION, "ordered")


def test_a_card_that_is_not_the_customers_is_not_ordered(world: World) -> None:
    with pytest.raises(CardNotFound):
        ordered(world, card_id="card-of-someone-else")
    assert world.core.requests == []


def test_an_address_that_is_not_the_customers_is_not_ordered(world: World) -> None:
    with pytest.raises(AddressNotFound):
        ordered(world, address_id="addr_0000000000000000")
    assert world.core.requests == []


# --- the waits and the events ------------------------------------------------------------------------
def test_an_event_resumes_the_waiting_journey_with_the_new_status(world: World) -> None:
    state = ordered(world)
    assert await_status(world, state, "produced") is False

    outcome = event(world, "ord_1", "produced")

    assert outcome is not None and (outcome.changed, outcome.resumed) == (True, True)
    assert world.waits.resumed == [(REFERENCE, "token-1", {"status": "produced"})]


def test_a_repeated_event_changes_nothing(world: World) -> None:
    state = ordered(world)
    await_status(world, state, "produced")
    event(world, "ord_1", "produced")
    await_status(world, state, "sent", task="token-2")

    repeated = event(world, "ord_1", "produced")

    assert repeated is not None and (repeated.changed, repeated.resumed) == (False, False)
    assert [token for _, token, _ in world.waits.resumed] == ["token-1"]
    assert world.waits.parked == {REFERENCE: "token-2"}


def test_a_late_event_does_not_move_the_order_back(world: World) -> None:
    state = ordered(world)
    event(world, "ord_1", "sent")

    late = event(world, "ord_1", "produced")

    assert late is not None and late.changed is False
    tracked = world.plastic.order(state.order_id or "")
    assert tracked is not None and tracked.status == "sent"


def test_an_event_between_two_waits_resumes_the_next_wait_at_once(world: World) -> None:
    state = ordered(world)  # the journey is telling the customer "ordered": nothing is parked

    outcome = event(world, "ord_1", "produced")
    resumed = await_status(world, state, "produced")

    assert outcome is not None and (outcome.changed, outcome.resumed) == (True, False)
    assert resumed is True
    assert world.waits.resumed == [(REFERENCE, "token-1", {"status": "produced"})]


def test_a_wait_for_a_later_status_stays_parked_until_it_comes(world: World) -> None:
    state = ordered(world)
    event(world, "ord_1", "produced")

    assert await_status(world, state, "sent") is False
    assert world.waits.parked == {REFERENCE: "token-1"}


def test_a_wait_past_the_tracking_budget_gives_up(world: World) -> None:
    state = ordered(world).model_copy(update={"track_until": int(CLOCK) - 1})

    with pytest.raises(PlasticOrderOverdue):
        await_status(world, state, "produced")
    assert world.waits.parked == {}


def test_an_event_for_an_order_we_do_not_follow_is_not_recorded(world: World) -> None:
    assert event(world, "ord_unknown", "produced") is None


# --- the HTTP route ----------------------------------------------------------------------------------
def http(body: str, monkeypatch: pytest.MonkeyPatch, world: World) -> tuple[int, dict[str, Any]]:
    monkeypatch.setattr(service, "record_status_event", _with_fakes(world))
    answer = service.accept_status_event(HttpRequest(body=body.encode()))
    return answer.status, json.loads(answer.body)


def _with_fakes(world: World) -> Any:
    record = service.record_status_event

    def call(event: StatusEvent) -> service.EventOutcome | None:
        return record(event, repository=world.plastic, complete=world.waits.complete)

    return call


def test_the_route_answers_the_outcome_of_an_event(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    ordered(world)

    status, body = http('{"order_id": "ord_1", "status": "produced", "at": "2026-03-02"}', monkeypatch, world)

    assert (status, body["changed"]) == (200, True)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"order_id": "ord_unknown", "status": "sent"}', 404),
        ('{"order_id": "ord_1", "status": "lost"}', 400),
        ("", 400),
    ],
)
def test_the_route_refuses_what_is_not_an_event_of_ours(
    world: World, monkeypatch: pytest.MonkeyPatch, body: str, expected: int
) -> None:
    ordered(world)

    status, _ = http(body, monkeypatch, world)

    assert status == expected
