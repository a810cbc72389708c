"""The plastic card: the `save_delivery_address` operation, the `plastic_card_order` journey's steps
(statemachines/plastic_card_order.asl.yaml), and the core-banking status events that move it on.

The journey orders the card (idempotency key from the execution name, so a retried or re-driven step
orders once), then waits, on a task token parked under `<execution>:status`, for each next status.
Core banking posts `{order_id, status}` to POST /internal/plastic-events; the event is recorded on our
copy of the order (forward only: a repeated or late event changes nothing) and completes the parked
wait once (journeys.complete is a conditional delete). An event may arrive while the journey is between
two waits: the next wait reads the recorded status right after parking and completes itself, so no
status is lost, whichever of the two comes first.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from messenger_bank.banking import service as bank
from messenger_bank.banking.models.core import OrderPlasticRequest
from messenger_bank.customers import service as customers
from messenger_bank.customers.service import CustomersRepository
from messenger_bank.errors import CardNotFound
from messenger_bank.http import HttpAnswer, HttpRequest, json_answer, short_answer
from messenger_bank.journeys import service as journeys
from messenger_bank.observability import logger, metrics
from messenger_bank.plastic.addresses import parse_address
from messenger_bank.plastic.errors import AddressNotFound, PlasticOrderOverdue
from messenger_bank.plastic.models import (
    Address,
    AwaitStatusRequest,
    EventOutcome,
    Parked,
    PlasticState,
    SaveAddressRequest,
    SavedAddress,
    StatusEvent,
    TrackedOrder,
    rank,
)
from messenger_bank.plastic.repository import PlasticRepository

if TYPE_CHECKING:
    from messenger_bank.banking.service import CoreClient

Clock = Callable[[], float]
# Production and delivery take days to weeks; after this the customer is told it is late.
TRACKING_SECONDS = 40 * 24 * 3600


def _address_id(customer_id: str, text: str) -> str:
    """The same address typed twice by the same customer is one address."""
    # Unkeyed on purpose: the record that carries this id keeps the address text itself beside it.
    digest = hashlib.sha256(f"address:{customer_id}:{text.casefold()}".encode()).digest()
    return "addr_" + base64.b32encode(digest).decode()[:16].lower()


# --- the operation -----------------------------------------------------------------------------------
def save_delivery_address(request: SaveAddressRequest, *, repository: PlasticRepository | None = None) -> SavedAddress:
    """Keep the address under its customer; raises AddressNotUnderstood when no city and street show."""
    text = " ".join(request.address.split())
    address = Address(
        address_id=_address_id(request.customer_id, text),
        customer_id=request.customer_id,
        text=text,
        delivery=parse_address(text),
    )
    (repository or PlasticRepository()).put_address(address)
    return SavedAddress(address_id=address.address_id)


# --- the journey's steps -----------------------------------------------------------------------------
def order_plastic(
    state: PlasticState,
    *,
    repository: PlasticRepository | None = None,
    customers_repository: CustomersRepository | None = None,
    core: CoreClient | None = None,
    clock: Clock = time.time,
) -> PlasticState:
    """Order the card at core banking and start following the order. CardNotFound when the card is not
    the customer's, AddressNotFound when the address is not theirs."""
    plastic = repository or PlasticRepository()
    cards = customers.cards_of(state.customer_id, repository=customers_repository)
    card = next((c for c in cards if c.card_id == state.card_id), None)
    if card is None:
        raise CardNotFound("the card is not the customer's")
    address = plastic.address(state.customer_id, state.address_id)
    if address is None:
        raise AddressNotFound("no such address for the customer")
    order = bank.order_plastic_card(
        OrderPlasticRequest(
            card_id=card.card_id, address=address.delivery, idempotency_key=f"plastic:{state.execution}"
        ),
        core=core,
    )
    plastic.track(
        TrackedOrder(
            order_id=order.order_id,
            execution=state.execution,
            customer_id=state.customer_id,
            chat_key=state.chat_key,
            status=order.status,
        )
    )
    logger.info("plastic card ordered", extra={"order_id": order.order_id, "execution": state.execution})
    return state.model_copy(
        update={
            "order_id": order.order_id,
            "status": order.status,
            "mask": card.mask,
            "track_until": int(clock()) + TRACKING_SECONDS,
        }
    )


def await_status(
    request: AwaitStatusRequest,
    *,
    repository: PlasticRepository | None = None,
    park: Callable[..., None] = journeys.park,
    complete: Callable[[str, dict[str, Any]], None] = journeys.complete,
    clock: Clock = time.time,
) -> Parked:
    """A `.waitForTaskToken` step: park the token under `<execution>:status`, then look at the status
    recorded so far: if the awaited one (or a later one) has arrived already, resume at once."""
    if clock() > request.track_until:
        raise PlasticOrderOverdue(f"not delivered by {request.track_until}")
    park(request.reference, request.task_token, chat_key=request.chat_key)
    order = (repository or PlasticRepository()).order(request.order_id)
    if order is None or rank(order.status) < rank(request.awaiting):
        return Parked(reference=request.reference, resumed=False)
    try:
        complete(request.reference, {"status": order.status})
    except journeys.WaitNotFound:
        # The event got there first and has resumed the journey itself.
        return Parked(reference=request.reference, resumed=False)
    logger.info("status already here", extra={"order_id": order.order_id, "status": order.status})
    return Parked(reference=request.reference, resumed=True)


# --- core-banking events -----------------------------------------------------------------------------
def record_status_event(
    event: StatusEvent,
    *,
    repository: PlasticRepository | None = None,
    complete: Callable[[str, dict[str, Any]], None] = journeys.complete,
) -> EventOutcome | None:
    """Record the order's new status and resume its journey; None when we follow no such order."""
    plastic = repository or PlasticRepository()
    order = plastic.order(event.order_id)
    if order is None:
        return None
    if not plastic.advance(event.order_id, event.status):
        logger.info("status event changes nothing", extra={"order_id": event.order_id, "status": event.status})
        return EventOutcome(order_id=event.order_id, status=event.status, changed=False, resumed=False)
    metrics.add_metric(name="PlasticStatusEvents", unit="Count", value=1)
    try:
        complete(order.wait_reference, {"status": event.status})
    except journeys.WaitNotFound:
        # The journey is between two waits (telling the customer): its next wait reads this status.
        return EventOutcome(order_id=event.order_id, status=event.status, changed=True, resumed=False)
    return EventOutcome(order_id=event.order_id, status=event.status, changed=True, resumed=True)


def accept_status_event(request: HttpRequest) -> HttpAnswer:
    """POST /internal/plastic-events: 200 with the outcome, 400 for a body that is not an event, 404 for
    an order we do not follow (the bank may retry it)."""
    body = request.body
    try:
        event = StatusEvent.model_validate_json(body)
    except ValidationError:
        return short_answer(400, "expected {order_id, status}")
    outcome = record_status_event(event)
    if outcome is None:
        return short_answer(404, "unknown order")
    return json_answer(200, outcome.model_dump(mode="json"))
