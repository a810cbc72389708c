"""Top-up from another bank's card, through the acquirer (see statemachines/topup.asl.yaml).

1. `start_topup`: the acquirer creates a one-time payment (order id = the execution name, key
   `topup:<id>:create`, so a retry gets the same payment and link).
2. `park_topup_wait` (topup/link.py): the task token is parked under `<execution>:acquirer` *before* the link
   goes to the chat as a URL button, so the acquirer's callback always finds the wait. The one step that writes
   to a chat, apart so that the others load no messenger's client (issue 20).
3. `accept_acquirer_callback` (POST /callbacks/acquirer): the HMAC signature and its freshness are
   checked, then the wait is completed once (a conditional delete); a repeated callback finds no wait
   and is answered 200 all the same, so the acquirer stops retrying.
4. `credit_topup`: the acquirer is asked for the payment's status itself (the callback is only a
   signal, and the wait's timeout lands here too); a succeeded payment credits the card once
   (source acquiring, key `topup:<payment id>:credit`); any other status raises TopUpNotPaid and
   nothing moves. Money in repays credit in use first (one ledger balance): the bank's balance right
   after the credit says how much did, and the receipt tells it (topup.done_repaid).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from messenger_bank.banking import service as bank
from messenger_bank.banking.models.core import CreditRequest
from messenger_bank.customers import service as customers
from messenger_bank.customers.models import Card
from messenger_bank.customers.service import CustomersRepository
from messenger_bank.errors import CardNotFound, OperationRejected
from messenger_bank.http import HttpAnswer, HttpRequest, short_answer
from messenger_bank.journeys import service as journeys
from messenger_bank.observability import logger, metrics
from messenger_bank.quotes import money_text
from messenger_bank.security.cards import short_mask
from messenger_bank.topup.errors import TopUpMismatch, TopUpNotPaid
from messenger_bank.topup.models import ACQUIRER_TASK, TopUpState
from messenger_bank.topup.settings import TopUpSettings, topup_settings

if TYPE_CHECKING:
    from messenger_bank.banking.models.acquirer import TopUpEvent
    from messenger_bank.banking.service import AcquirerClient, CoreClient

MAX_CALLBACK_BYTES = 64 * 1024
FINAL_EVENTS = frozenset({"payment.succeeded", "payment.failed", "payment.expired"})


# --- the journey's steps ----------------------------------------------------------------------------
def start_topup(
    state: TopUpState,
    *,
    settings: TopUpSettings | None = None,
    customers_repository: CustomersRepository | None = None,
    acquirer: AcquirerClient | None = None,
) -> TopUpState:
    """A one-time payment at the acquirer for the customer's card; CardNotFound without an active card."""
    config = settings or topup_settings()
    topup_id = state.require_topup_id()
    card = _target_card(state.customer_id, customers_repository)
    # Imported here: only this step calls the acquirer with a request; parking and crediting need none of its models.
    from messenger_bank.banking.models.acquirer import TopUpRequest

    payment = bank.start_topup(
        TopUpRequest(
            order_id=topup_id,
            amount=state.amount_minor,
            currency=state.currency,
            description=f"Top-up {short_mask(card.mask)}",
            callback_url=config.callback_url,
            return_url=config.return_url,
            idempotency_key=f"topup:{topup_id}:create",
        ),
        acquirer=acquirer,
    )
    logger.info("top-up payment created", extra={"topup_id": topup_id, "payment_id": payment.payment_id})
    return state.model_copy(
        update={
            "card_id": card.card_id,
            "mask": short_mask(card.mask),
            "amount": money_text(state.amount_minor, state.currency),
            "payment_id": payment.payment_id,
            "payment_url": payment.payment_url,
            "wait_seconds": config.wait_seconds,
        }
    )


def credit_topup(
    state: TopUpState, *, acquirer: AcquirerClient | None = None, core: CoreClient | None = None
) -> TopUpState:
    """The acquirer's own word on the payment; succeeded → the card is credited once, else TopUpNotPaid."""
    topup_id = state.require_topup_id()
    payment = bank.topup_status(state.require_payment(), acquirer=acquirer)
    if (
        payment.payment_id != state.payment_id
        or payment.order_id != topup_id
        or payment.amount != state.amount_minor
        or payment.currency != state.currency
    ):
        raise TopUpMismatch("the acquirer's payment does not match this top-up", payment_id=payment.payment_id)
    if payment.status != "succeeded":
        logger.info("top-up not paid", extra={"topup_id": topup_id, "status": payment.status})
        raise TopUpNotPaid(f"the payment is {payment.status}", status=payment.status)
    if state.card_id is None:
        raise ValueError("credit_topup needs the card")
    credit = bank.credit(
        CreditRequest(
            card_id=state.card_id,
            source="acquiring",
            amount=payment.amount,
            currency=payment.currency,
            idempotency_key=f"topup:{payment.payment_id}:credit",
            reference=topup_id,  # at most 64 characters (TopUpId), within the 140 a reference holds
            counterparty=payment.masked_pan,
        ),
        core=core,
    )
    metrics.add_metric(name="TopUpsCompleted", unit="Count", value=1)
    logger.info(
        "top-up credited",
        extra={"topup_id": topup_id, "credit_id": credit.operation_id, "repaid_credit": credit.credit_repaid},
    )
    return state.model_copy(
        update={
            "credit_id": credit.operation_id,
            "outcome": "completed",
            "repaid_minor": credit.credit_repaid,
            "repaid": money_text(credit.credit_repaid, credit.currency),
            "credit_used": money_text(credit.credit_still_used, credit.currency),
        }
    )


def _target_card(customer_id: str, repository: CustomersRepository | None) -> Card:
    cards = [c for c in customers.cards_of(customer_id, repository=repository) if c.status == "active"]
    if not cards:
        raise CardNotFound("the customer has no active card")
    return sorted(cards, key=lambda c: (c.kind != "virtual", c.issued_at))[0]


# --- the acquirer's callback (POST /callbacks/acquirer) ----------------------------------------------
def accept_acquirer_callback(
    request: HttpRequest,
    *,
    verify: Callable[[bytes, str, str], TopUpEvent] = bank.verify_topup_callback,
    complete: Callable[[str, dict[str, Any]], None] = journeys.complete,
) -> HttpAnswer:
    """Check the signature, then resume the top-up waiting for this payment, exactly once."""
    body, headers = request.body, request.headers
    if len(body) > MAX_CALLBACK_BYTES:
        return short_answer(413, "body too large")
    try:
        event = verify(body, headers.get("x-signature-timestamp", ""), headers.get("x-signature", ""))
    except OperationRejected:
        logger.warning("acquirer callback refused: bad signature")
        metrics.add_metric(name="AcquirerCallbacksRefused", unit="Count", value=1)
        return short_answer(401, "unauthorized")
    except ValidationError:
        logger.warning("acquirer callback refused: malformed body")
        return short_answer(400, "malformed callback")
    payment = event.payment
    if event.type not in FINAL_EVENTS:
        logger.info("acquirer callback ignored", extra={"type": event.type, "payment_id": payment.payment_id})
        return short_answer(200, "ignored")
    reference = f"{journeys.execution_name(payment.order_id)}:{ACQUIRER_TASK}"
    try:
        complete(reference, {"status": payment.status, "payment_id": payment.payment_id})
    except journeys.WaitNotFound:
        # A repeated callback, or one for a top-up that already ended: the credit happens at most once.
        logger.info("acquirer callback: no top-up waits", extra={"payment_id": payment.payment_id})
        return short_answer(200, "already handled")
    logger.info("acquirer callback accepted", extra={"payment_id": payment.payment_id, "status": payment.status})
    return short_answer(200, "ok")
