"""A person when the bot cannot help.

The conversation hands a chat over (``hand_over``: the customer asked, the bot missed twice in a row, or a
refusal was disputed) and, while the chat is open (waiting or with an operator), keeps each of the
customer's turns for the operator (``keep_turn``) instead of answering it; a journey already running still
sends its notices and takes its buttons (the conversation's business, see conversation/service.py).

The operators' inbox (``inbox``, ``take``, ``answer``, ``hand_back``) is behind the internal API's Keycloak
authorizer (the ``operator`` role): every action names the operator the authorizer let through and is an
audit line (``operator action``). An answer goes out through the same MessageAPI, on the customer's own
messenger, as a reply: only while the platform takes a free message (WhatsApp's and Messenger's 24 h window
since the customer last wrote, Viber's cap), else it is refused and nothing is sent.

Every text kept for the operator is redacted first (``security.logging.redact_chat_text``: card numbers as
their masks, passport and personal numbers, codes), so the table never holds one.

Metrics: ``HandoffsRequested`` (by reason), ``HandoffWaitSeconds`` (waiting → taken), and every minute from the
queue check ``HandoffsWaiting`` (the queue's length) and ``HandoffOldestWaitSeconds`` (the alarm's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Literal

from aws_lambda_powertools.metrics import MetricUnit

from messenger_bank.channels.client import MessageAPI
from messenger_bank.channels.models import ChatRef, InboundEvent, OutboundMessage
from messenger_bank.conversation.catalogue import text as catalogue_text
from messenger_bank.handoff.errors import HandoffNotFound, HandoffNotOpen, WindowClosed
from messenger_bank.handoff.models import (
    TEXT_LIMIT,
    ChatTurn,
    Handoff,
    HandoffReason,
    Inbox,
    InboxChat,
    QueueChecked,
    Speaker,
    handoff_id,
)
from messenger_bank.handoff.repository import HandoffsRepository
from messenger_bank.handoff.settings import handoff_settings
from messenger_bank.notices.windows import WindowsRepository, bot_sent, cap_reached, window_open
from messenger_bank.observability import count, logger
from messenger_bank.security.logging import redact_chat_text
from messenger_bank.types import Language

WAITING = "handoff.waiting"  # told when the chat is handed over
BACK = "handoff.back"  # told when an operator hands it back
Action = Literal["take", "answer", "hand back"]


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def redacted(text: str) -> str:
    return redact_chat_text(text)[:TEXT_LIMIT]


def what_was_said(event: InboundEvent) -> str:
    """A customer's turn as the operator reads it (redacted); what is not text is named in brackets."""
    if event.kind == "text" and event.text:
        return redacted(event.text)
    match event.kind:
        case "button":
            return "[pressed a button]"
        case "media":
            return f"[sent {event.media or 'a file'}]"
        case "contact":
            return "[shared a contact]"
    return f"[{event.kind}]"


def hand_over(
    chat: ChatRef,
    *,
    language: Language,
    customer_id: str | None,
    reason: HandoffReason,
    said: Sequence[str] = (),
    refusal: str | None = None,
    repository: HandoffsRepository | None = None,
    now: datetime | None = None,
) -> bool:
    """Put the chat in the operators' queue with what the customer said last; False when it already was."""
    at = _now(now)
    handoff = Handoff(
        handoff_id=handoff_id(chat.key),
        chat_key=chat.key,
        channel=chat.channel,
        chat_id=chat.chat_id,
        language=language,
        customer_id=customer_id,
        state="waiting",
        reason=reason,
        refusal=refusal,
        since=at,
        turns=tuple(ChatTurn(at=at, by="customer", text=redacted(line)) for line in said),
    )
    opened = (repository or HandoffsRepository()).open(handoff)
    if opened:
        count("HandoffsRequested", reason=reason)
    logger.info("chat handed to a person", extra={"reason": reason, "opened": opened, "channel": chat.channel})
    return opened


def open_handoff(chat_key: str, *, repository: HandoffsRepository | None = None) -> Handoff | None:
    """The chat's hand-off while a person has it (waiting or with an operator), else None."""
    handoff = (repository or HandoffsRepository()).get(handoff_id(chat_key))
    return handoff if handoff is not None and handoff.open else None


def keep_turn(
    handoff: Handoff,
    by: Speaker,
    said: str,
    *,
    repository: HandoffsRepository | None = None,
    now: datetime | None = None,
    operator: str | None = None,
) -> bool:
    """A turn kept for the operator (already redacted by the caller for a customer's; redacted again here)."""
    turn = ChatTurn(at=_now(now), by=by, text=redacted(said), operator=operator)
    return (repository or HandoffsRepository()).add_turn(
        handoff.handoff_id, turn, handoff_settings().handoff_turns_kept
    )


# ------------------------------------------------------------------ the operators' inbox
def _audit(operator: str, action: Action, handoff: str, outcome: str, detail: str = "") -> None:
    entry = {"operator": operator, "action": action, "target": handoff, "outcome": outcome, "detail": detail}
    logger.info("operator action", extra={"component": "operator-inbox", "audit": entry})


def inbox(*, repository: HandoffsRepository | None = None, now: datetime | None = None) -> Inbox:
    at = _now(now)
    kept = handoff_settings().handoff_turns_kept
    chats = sorted((repository or HandoffsRepository()).open_chats(), key=lambda h: h.since)
    return Inbox(
        chats=[
            InboxChat(
                handoff_id=h.handoff_id,
                channel=h.channel,
                language=h.language,
                customer_id=h.customer_id,
                state=h.state,
                reason=h.reason,
                refusal=h.refusal,
                since=h.since,
                waiting_seconds=max(0, int((at - h.since).total_seconds())),
                taken_by=h.taken_by,
                # Redacted when kept; once more here, so a record written by older code shows nothing either.
                turns=[t.model_copy(update={"text": redacted(t.text)}) for t in h.turns[-kept:]],
            )
            for h in chats
        ]
    )


def _free_message_taken(chat: ChatRef, at: datetime, windows: WindowsRepository | None) -> bool:
    """The messenger takes a free (not template) message to this chat now: within WhatsApp's or Messenger's 24 h
    window since the customer last wrote, under Viber's cap of messages without a reply."""
    return window_open(chat.channel, chat.key, at, repository=windows) and not cap_reached(
        chat.channel, chat.key, at, repository=windows
    )


def _where(handoff: Handoff) -> str:
    match handoff.state:
        case "back_with_bot":
            return "the chat is back with the bot"
        case "with_operator":
            return f"the chat is with another operator ({handoff.taken_by})"
    return "the chat is waiting"


def _found(repository: HandoffsRepository, handoff: str) -> Handoff:
    found = repository.get(handoff)
    if found is None:
        raise HandoffNotFound("no chat was handed over under this id")
    return found


def _changed(
    operator: str, action: Action, handoff: str, repository: HandoffsRepository, change: Callable[[], Handoff | None]
) -> tuple[Handoff, Handoff]:
    """The chat before and after `change`; refused, and audited so, when it is unknown or not open to `operator`
    (`change` gives None)."""
    try:
        before = _found(repository, handoff)
        after = change()
        if after is None:
            raise HandoffNotOpen(_where(before))
    except (HandoffNotFound, HandoffNotOpen) as refused:
        _audit(operator, action, handoff, "refused", str(refused))
        raise
    return before, after


def take(
    operator: str, handoff: str, *, repository: HandoffsRepository | None = None, now: datetime | None = None
) -> Handoff:
    """The chat taken by `operator` (from the queue, or already theirs)."""
    store = repository or HandoffsRepository()
    at = _now(now)
    before, taken = _changed(operator, "take", handoff, store, lambda: store.take(handoff, operator, at))
    if before.state == "waiting":
        count("HandoffWaitSeconds", value=(at - before.since).total_seconds(), unit=MetricUnit.Seconds)
    _audit(operator, "take", handoff, "done")
    return taken


def answer(
    operator: str,
    handoff: str,
    said: str,
    *,
    messages: MessageAPI,
    repository: HandoffsRepository | None = None,
    windows: WindowsRepository | None = None,
    now: datetime | None = None,
) -> Handoff:
    """`said` sent to the customer on their messenger as `operator`'s reply (the chat taken if it waited)."""
    repository = repository or HandoffsRepository()
    at = _now(now)
    try:
        current = _found(repository, handoff)
        if not current.open or (current.state == "with_operator" and current.taken_by != operator):
            raise HandoffNotOpen(_where(current))
        chat = ChatRef(channel=current.channel, chat_id=current.chat_id)
        if not _free_message_taken(chat, at, windows):
            raise WindowClosed("the messenger takes no free message to this chat until the customer writes")
        if current.state == "waiting":
            current = take(operator, handoff, repository=repository, now=at)
    except (HandoffNotFound, HandoffNotOpen, WindowClosed) as refused:
        _audit(operator, "answer", handoff, "refused", str(refused))
        raise
    messages.send(chat, OutboundMessage(text=said))
    bot_sent(chat.channel, chat.key, at, repository=windows)
    keep_turn(current, "operator", said, repository=repository, now=at, operator=operator)
    _audit(operator, "answer", handoff, "done")
    return current


def hand_back(
    operator: str,
    handoff: str,
    *,
    messages: MessageAPI,
    repository: HandoffsRepository | None = None,
    windows: WindowsRepository | None = None,
    now: datetime | None = None,
) -> Handoff:
    """The chat back with the bot; the customer is told so (where the messenger takes a free message now)."""
    store = repository or HandoffsRepository()
    at = _now(now)
    _, back = _changed(operator, "hand back", handoff, store, lambda: store.hand_back(handoff, operator, at))
    chat = ChatRef(channel=back.channel, chat_id=back.chat_id)
    told = _free_message_taken(chat, at, windows)
    if told:
        messages.send(chat, OutboundMessage(text=catalogue_text(BACK, back.language)))
        bot_sent(chat.channel, chat.key, at, repository=windows)
    _audit(operator, "hand back", handoff, "done", "" if told else "not told: the messenger's window is closed")
    return back


def check_queue(*, repository: HandoffsRepository | None = None, now: datetime | None = None) -> QueueChecked:
    """The queue as the alarm sees it, every minute: how many wait, and for how long the oldest has."""
    at = _now(now)
    chats = (repository or HandoffsRepository()).open_chats()
    waiting = [h for h in chats if h.state == "waiting"]
    oldest = max((int((at - h.since).total_seconds()) for h in waiting), default=0)
    count("HandoffsWaiting", value=len(waiting))
    count("HandoffOldestWaitSeconds", value=oldest, unit=MetricUnit.Seconds)
    return QueueChecked(waiting=len(waiting), with_operator=len(chats) - len(waiting), oldest_wait_seconds=oldest)
