"""One customer turn, as the conversation Lambda runs it for each queued InboundEvent:

    session (DynamoDB, versioned) → take_turn (flows, NLU) → save the session → effects → replies

The engine decides; this module does the I/O it asks for. Bank operations are their own Lambdas
(called synchronously by name), journeys are Step Functions executions, replies go out through the
MessageAPI. A turn that fails before the session is saved changes nothing and is retried by the queue;
on its last attempt the customer is told, once, that something went wrong.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast, get_args

import boto3
from botocore.config import Config

from messenger_bank.channels import message_api
from messenger_bank.channels.client import MessageAPI
from messenger_bank.channels.errors import PlatformError
from messenger_bank.channels.models import InboundEvent, OutboundMessage
from messenger_bank.conversation import published
from messenger_bank.conversation.catalogue import text
from messenger_bank.conversation.engine import (
    WAIT_GONE,
    DeleteMessage,
    DropButtons,
    ForgetChat,
    HandOver,
    OperationFailed,
    PrepareJourney,
    TurnDependencies,
    UnderstandingLike,
    take_turn,
)
from messenger_bank.conversation.flows import WaitStep, default_flows
from messenger_bank.conversation.sessions import Session, SessionRepository
from messenger_bank.conversation.settings import conversation_settings
from messenger_bank.conversation.validation import contains_card_number
from messenger_bank.handlers import CORRELATION_KEY
from messenger_bank.handoff import service as handoff
from messenger_bank.handoff.models import HandoffReason
from messenger_bank.handoff.repository import HandoffsRepository
from messenger_bank.handoff.settings import handoff_settings
from messenger_bank.journeys import service as journeys
from messenger_bank.notices.service import platform_refused
from messenger_bank.notices.windows import customer_wrote
from messenger_bank.observability import logger, metrics
from messenger_bank.operations import operation

WAIT_PARK_ATTEMPTS = 15
WAIT_PARK_PAUSE_S = 0.2


@cache
def _lambda() -> Any:
    # No SDK retries: an operation must not run twice behind the conversation's back.
    return boto3.client("lambda", config=Config(retries={"max_attempts": 1}, read_timeout=30))


@cache
def _sessions() -> SessionRepository:
    return SessionRepository()


@cache
def _handoffs() -> HandoffsRepository | None:
    """The hand-off records; a deployment without HANDOFFS_TABLE hands no chat to a person."""
    return HandoffsRepository() if handoff_settings().handoffs_table else None


class LambdaTurnDependencies:
    """The engine's collaborators on AWS: operation Lambdas, Step Functions, the NLU, the card vault."""

    def call_operation(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        contract = operation(name)  # UndeclaredOperation: no such function is deployed
        response = _lambda().invoke(
            FunctionName=f"{conversation_settings().operations()}{contract.name}",
            Payload=json.dumps({**payload, CORRELATION_KEY: logger.get_correlation_id()}).encode(),
        )
        answer = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            failure = answer if isinstance(answer, dict) else {}
            error_type = str(failure.get("errorType") or "OperationError")
            logger.info("operation refused", extra={"operation": name, "error": error_type})
            # The message is the domain's own (never a secret: see errors.py); details do not cross the invoke.
            raise OperationFailed(contract.refused(error_type, str(failure.get("errorMessage") or "")))
        return answer if isinstance(answer, dict) else {"value": answer}

    def start_journey(self, name: str, execution_name: str, payload: dict[str, Any]) -> str:
        metrics.add_metric(name="JourneysStarted", unit="Count", value=1)
        return journeys.start(name, execution_name, {**payload, CORRELATION_KEY: logger.get_correlation_id()})

    def complete_wait(self, token_ref: str, outcome: dict[str, Any]) -> None:
        # A quick press can arrive before the journey has parked its token (the step runs right after
        # the prompt was sent): give it a moment before saying the wait is gone.
        for attempt in range(WAIT_PARK_ATTEMPTS):
            try:
                journeys.complete(token_ref, outcome)
                return
            except journeys.WaitNotFound as exc:
                if attempt < WAIT_PARK_ATTEMPTS - 1:
                    time.sleep(WAIT_PARK_PAUSE_S)
                elif journeys.running(token_ref):
                    raise  # not parked yet (a slow start), or on its way to the end: the queue retries the turn
                else:
                    raise OperationFailed(WAIT_GONE) from exc  # the journey has ended: the wait is gone for good

    def understand(self, text: str) -> UnderstandingLike:
        from messenger_bank.conversation.nlu import understand

        understood = understand(text)
        if understood.intent is None:
            metrics.add_metric(name="NluFallbacks", unit="Count", value=1)
        return understood

    def bank_outages(self) -> dict[str, bool]:
        from messenger_bank.banking.breaker import breaker_board, failing

        board = breaker_board()
        if board is None:
            return {}
        try:
            breakers = board.read_all()
        except Exception:  # the breakers' table unreadable: the turn goes on as if every system answered
            logger.exception("bank breakers unreadable")
            return {}
        now = time.time()
        return {b.system: b.status != "closed" for b in breakers if failing(b, now, board.policy)}

    def tokenise_card(self, pan: str) -> tuple[str, str]:
        from messenger_bank.security.cards import tokenise

        token = tokenise(pan)
        return token.token, token.mask


def take_customer_turn(
    event: InboundEvent,
    *,
    deps: TurnDependencies | None = None,
    sessions: SessionRepository | None = None,
    messages: MessageAPI | None = None,
    now: datetime | None = None,
    handoffs: HandoffsRepository | None = None,
) -> None:
    """Run one turn and deliver its replies. Raises (so the queue retries) if the turn cannot be kept."""
    repository = sessions or _sessions()
    outbox = messages or message_api()
    if event.kind == "undelivered":  # the platform's late refusal of a bank message: no turn, the notices' business
        platform_refused(event, messages=outbox)
        return
    if event.callback_id:
        # At once, before any operation: the button's spinner stops even when the turn is slow or fails.
        # A retried turn answers again, which the platform shrugs off (answers are not strict).
        try:
            outbox.answer_button(event)
        except PlatformError as error:  # a courtesy: the turn itself still runs
            logger.warning("button not answered", extra={"reason": type(error).__name__})
    if event.kind != "unsubscribed":  # any message of the customer's opens the messenger's 24 h window
        customer_wrote(event.chat.channel, event.chat.key, event.sent_at)
    session = repository.get(event.chat.key)
    if _kept_for_a_person(event, session, handoffs, outbox):
        metrics.add_metric(name="TurnsKeptForOperator", unit="Count", value=1)
        return
    flows = published.live().flows  # the published flows and catalogue, when one is deployed (published.py)
    turn = take_turn(event, session, deps or LambdaTurnDependencies(), now=now or datetime.now(UTC), flows=flows)
    repository.save(turn.session)  # SessionConflict: another turn of this chat won; the queue retries this one
    if any(isinstance(effect, ForgetChat) for effect in turn.effects):
        repository.forget(event.chat.key)  # the customer was forgotten: not even a stranger's session stays
    for effect in turn.effects:
        if isinstance(effect, DeleteMessage):
            outbox.delete(effect.chat, effect.message_id)
    for effect in turn.effects:  # before "you are waiting for a person": the chat is in the queue when told
        if isinstance(effect, HandOver):
            handoff.hand_over(
                effect.chat,
                language=turn.session.language,
                customer_id=turn.session.customer_id,
                reason=_reason(effect.reason),
                said=effect.said,
                refusal=effect.refusal,
                repository=handoffs or _handoffs(),
            )
    for reply in turn.replies:
        outbox.send(event.chat, reply)
    for effect in turn.effects:  # after the answer: the customer sees it first
        if isinstance(effect, DropButtons):
            outbox.drop_buttons(effect.chat, effect.message_id)
        elif isinstance(effect, PrepareJourney):
            journeys.prepare(effect.journey)
    metrics.add_metric(name="Turns", unit="Count", value=1)


def _kept_for_a_person(
    event: InboundEvent, session: Session | None, handoffs: HandoffsRepository | None, outbox: MessageAPI
) -> bool:
    """While a person has the chat (waiting or with an operator) the bot is silent: the customer's turn is kept
    (redacted) for the operator, not answered; a message with a card number is still deleted from the chat, as
    the bot deletes it. A press on a running journey's wait still goes to the journey, and a chat the customer
    left still forgets its flow."""
    repository = handoffs or _handoffs()
    if repository is None or event.kind == "unsubscribed" or _answers_a_journey(event, session):
        return False
    open_now = handoff.open_handoff(event.chat.key, repository=repository)
    if open_now is None:
        return False
    handoff.keep_turn(open_now, "customer", handoff.what_was_said(event), repository=repository, now=event.sent_at)
    if event.text and event.message_id and contains_card_number(event.text):
        outbox.delete(event.chat, event.message_id)
    logger.info("turn kept for the operator", extra={"kind": event.kind, "state": open_now.state})
    return True


def _answers_a_journey(event: InboundEvent, session: Session | None) -> bool:
    if event.kind != "button" or session is None or not session.flow or not session.step:
        return False
    flow = default_flows().flows.get(session.flow)
    step = flow.step(session.step) if flow else None
    return isinstance(step, WaitStep) and bool(step.task)


def _reason(reason: str) -> HandoffReason:
    for known in get_args(HandoffReason):
        if known == reason:
            return cast(HandoffReason, known)
    raise ValueError(f"no hand-off reason {reason}")


def tell_something_went_wrong(event: InboundEvent, *, messages: MessageAPI | None = None) -> None:
    """The last attempt at a turn failed: say so once, in the chat's language if we know it."""
    language = "ru"
    try:
        session = _sessions().get(event.chat.key)
        language = session.language if session else language
    except Exception:  # the session store may be what failed; the apology still goes out
        logger.exception("session unreadable while apologising")
    (messages or message_api()).send(event.chat, OutboundMessage(text=text("common.error", language)))
