"""What an inbound event is, and who handles it.

`read` names the customer's action: a chat started or left, a command (typed, or a global button),
a button to a flow's entry (`g:go:`), a session-scoped button with the action the session stored for
it, typed text, a shared contact, or something the bot does not take (a picture, a location, a voice
message, video, file or sticker...).
`play` runs the turn: the effects and language first, then an expired session, then the handler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from messenger_bank.channels.models import Button, OutboundMessage
from messenger_bank.conversation import catalogue
from messenger_bank.conversation.engine.answers import (
    answer,
    answer_wait,
    choose_by_text,
    contact,
    pick_item,
    pick_option,
)
from messenger_bank.conversation.engine.boundary import MENU_EXPIRED, MENU_FLOW, DeleteMessage, DropButtons, HandOver
from messenger_bank.conversation.engine.context import TurnContext, WaitForCustomer
from messenger_bank.conversation.engine.executors import enter, reprompt, run
from messenger_bank.conversation.engine.navigation import command, leave_wait, route
from messenger_bank.conversation.engine.state import (
    ButtonAction,
    GotoAction,
    ItemAction,
    NextAction,
    OptionAction,
    stored_action,
)
from messenger_bank.conversation.flows import AskStep, ChooseStep, WaitStep
from messenger_bank.conversation.validation import contains_card_number
from messenger_bank.observability import logger
from messenger_bank.types import LANGUAGES

COMMANDS_FILE = Path(__file__).parent.parent / "commands.yaml"
GLOBAL_COMMANDS = ("menu", "back", "cancel", "help", "person", "dispute", "language")
REFERRAL_LIMIT = 64
_SCOPED = re.compile(r"s:(\d{1,9}):(\d{1,3})")
# What a `g:go:<flow>:<step>:<ref>` button may carry into `data.ref`.
_GO_REF = re.compile(r"[A-Za-z0-9._-]{1,48}")


@lru_cache(maxsize=1)
def command_words() -> dict[str, frozenset[str]]:
    """Words that work as global commands in any language (commands.yaml)."""
    with COMMANDS_FILE.open(encoding="utf-8") as stream:
        raw: dict[str, list[str]] = yaml.safe_load(stream)
    return {command: frozenset(w.casefold() for w in words) for command, words in raw.items()}


def match_command(text: str) -> str | None:
    word = text.strip().casefold().lstrip("/")
    for name, words in command_words().items():
        if word in words or "/" + word in words:
            return name
    return None


# -------------------------------------------------------------- what the customer did


@dataclass(frozen=True)
class Unsubscribed:
    pass


@dataclass(frozen=True)
class Started:
    referral: str | None
    welcomed: bool = False  # the webhook's answer greeted already (Viber): nothing more to say


@dataclass(frozen=True)
class CommandGiven:
    """A command word typed, or a global command button (`g:menu`, `g:lang:<xx>`...)."""

    name: str


@dataclass(frozen=True)
class GoPressed:
    """`g:go:<flow>[:<step>[:<ref>]]`, not yet checked against the flows."""

    flow: str
    step: str
    ref: str


@dataclass(frozen=True)
class ScopedPressed:
    """`s:<epoch>:<n>`: the action this session stored for it, None for an old, forged or replayed key;
    `finished` when the key is of an earlier turn (its step is over)."""

    action: ButtonAction | None
    finished: bool = False


@dataclass(frozen=True)
class Typed:
    text: str


@dataclass(frozen=True)
class ContactShared:
    phone: str | None
    contact_user_id: str | None


@dataclass(frozen=True)
class NotTaken:
    """Something the bot does not take (a picture, a location, media), or a global button it does not know."""

    reason: str


Inbound = Unsubscribed | Started | CommandGiven | GoPressed | ScopedPressed | Typed | ContactShared | NotTaken


def read(turn: TurnContext) -> Inbound:
    event = turn.event
    match event.kind:
        case "unsubscribed":
            return Unsubscribed()
        case "start":
            return Started(event.referral, event.welcomed)
        case "text":
            text = event.text or ""
            name = match_command(text)
            return CommandGiven(name) if name else Typed(text)
        case "button":
            return _read_button(turn, event.button or "")
        case "contact":
            return ContactShared(event.phone, event.contact_user_id)
        case "media":
            # A sticker is a smile, not a request: a light word; a voice message, video or file was meant to
            # say something, so the bot says plainly what it cannot do and how to reach it instead.
            return NotTaken("common.sticker" if event.media == "sticker" else "common.media")
    return NotTaken("common.unsupported")


def _read_button(turn: TurnContext, payload: str) -> Inbound:
    if payload.startswith("g:go:"):
        flow, _, rest = payload[5:].partition(":")
        step, _, ref = rest.partition(":")
        return GoPressed(flow, step, ref)
    if payload.startswith("g:lang:"):
        return CommandGiven("language:" + payload[7:])
    if payload.startswith("g:"):
        return CommandGiven(payload[2:]) if payload[2:] in GLOBAL_COMMANDS else NotTaken("common.button_expired")
    m = _SCOPED.fullmatch(payload)
    if m is None or int(m[1]) > turn.old_epoch:
        return ScopedPressed(None)  # never shown in this chat
    if int(m[1]) < turn.old_epoch:
        return ScopedPressed(None, finished=True)
    return ScopedPressed(stored_action(turn.old_buttons.get(m[2])))


# Buttons that stay valid after a press: a flow's entry (menus and notices carry them, and a `<ref>`
# names a thing its flow checks) and the commands that work from anywhere.
_KEPT_AFTER_PRESS = ("g:go:", "g:menu", "g:help", "g:lang:")


def _drop_pressed_buttons(turn: TurnContext) -> None:
    """The message whose button was pressed belongs to a step that is over now: its buttons go."""
    event = turn.event
    payload = event.button or ""
    if event.kind == "button" and event.button_message_id and not payload.startswith(_KEPT_AFTER_PRESS):
        turn.effects.append(DropButtons(event.chat, event.button_message_id))


# -------------------------------------------------------------- the turn


def play(turn: TurnContext) -> None:
    event = turn.event
    logger.debug("turn", extra={"kind": event.kind, "media": event.media, "flow": turn.flow, "step": turn.step})
    if event.text and event.message_id and contains_card_number(event.text):
        turn.effects.append(DeleteMessage(event.chat, event.message_id))
    if turn.is_new:
        _guess_language(turn)
    inbound = read(turn)
    _drop_pressed_buttons(turn)
    try:
        if isinstance(inbound, Started) and inbound.referral:
            turn.data.values["referral"] = inbound.referral[:REFERRAL_LIMIT]
        if turn.expired and not isinstance(inbound, Unsubscribed):
            if event.kind == "text" and event.text:
                turn.say("session.expired")
                handle(turn, inbound)  # at the top level: a command or a request by intent
            else:
                enter(turn, MENU_FLOW, MENU_EXPIRED, fresh=True)
            return
        handle(turn, inbound)
    except WaitForCustomer:
        pass
    finally:
        _after(turn)


def _after(turn: TurnContext) -> None:
    """A turn that was not a miss ends the run of misses; a disputable refusal gets its Dispute button."""
    if not turn.missed:
        turn.data.values.pop("missed", None)
    if turn.disputable and not any(isinstance(effect, HandOver) for effect in turn.effects):
        turn.data.values["refused"] = {"code": turn.disputable, "at": turn.now.isoformat()}
        turn.replies.append(
            OutboundMessage(
                text=catalogue.text("handoff.dispute_offer", turn.language),
                buttons=((Button(label=catalogue.text("handoff.dispute", turn.language), payload="g:dispute"),),),
            )
        )


def handle(turn: TurnContext, inbound: Inbound) -> None:
    match inbound:
        case Unsubscribed():
            turn.flow = turn.step = None
            turn.history = []
        case Started(welcomed=True):
            pass  # the referral is kept above; the welcome the person saw was the webhook's answer
        case Started():
            enter(turn, MENU_FLOW, None, fresh=True)
        case CommandGiven(name):
            command(turn, name)
        case GoPressed():
            _go(turn, inbound)
        case ScopedPressed(action, finished):
            _pressed(turn, action, finished=finished)
        case Typed(text):
            _typed(turn, text)
        case ContactShared(phone, contact_user_id):
            step = turn.current()
            if not isinstance(step, AskStep) or not step.accept_contact or not phone:
                _not_taken(turn, "common.unsupported")
                return
            contact(turn, step, phone, contact_user_id)
        case NotTaken(reason):
            _not_taken(turn, reason)


def _not_taken(turn: TurnContext, key: str) -> None:
    turn.say(key)
    reprompt(turn)


def _typed(turn: TurnContext, text: str) -> None:
    step = turn.current()
    if isinstance(step, AskStep):
        answer(turn, step, text)
    elif isinstance(step, ChooseStep):
        choose_by_text(turn, step, text)
    elif isinstance(step, WaitStep) and step.validator:
        answer_wait(turn, step, text)
    elif isinstance(step, WaitStep) and step.options:
        choose_by_text(turn, step, text)
    else:
        route(turn, text)


def _go(turn: TurnContext, pressed: GoPressed) -> None:
    flow = turn.flows.flows.get(pressed.flow)
    bad_ref = bool(pressed.ref) and (not pressed.step or _GO_REF.fullmatch(pressed.ref) is None)
    if flow is None or (pressed.step and pressed.step not in flow.entries) or bad_ref:
        _not_taken(turn, "common.button_expired")
        return
    leave_wait(turn)
    enter(turn, pressed.flow, pressed.step or None, fresh=True, ref=pressed.ref or None)


def _pressed(turn: TurnContext, action: ButtonAction | None, *, finished: bool) -> None:
    step = turn.current()
    here = turn.here(step) if step is not None else None
    match action:
        case NextAction(flow=flow, step=step_id, at=at) if at is None or at == here:
            run(turn, flow, step_id)
            return
        case GotoAction(flow=flow, step=step_id, at=at) if at is None or at == here:
            leave_wait(turn)
            enter(turn, flow, step_id, fresh=True)
            return
        case OptionAction(option=option, at=at) if step is not None and here == at:
            pick_option(turn, step, option)
            return
        case ItemAction(index=index, at=at) if isinstance(step, ChooseStep) and here == at:
            pick_item(turn, step, index)
            return
        case None if not finished:
            logger.warning("button refused", extra={"flow": turn.flow, "step": turn.step})
            _not_taken(turn, "common.button_expired")
            return
    # A key of an earlier turn, or of a step the chat has left: nothing is done, and the customer is told why.
    logger.info("button of a finished step", extra={"flow": turn.flow, "step": turn.step})
    _not_taken(turn, "common.step_finished")


def _guess_language(turn: TurnContext) -> None:
    """A new chat speaks the language of its first words, else of the platform's hint."""
    event = turn.event
    # A command ("/start", "menu", "меню") names no language: the platform's hint, else the default, does.
    words = event.text is not None and not event.text.lstrip().startswith("/") and not match_command(event.text)
    if event.kind == "text" and event.text and words:
        language = turn.understand(event.text).language
        if language in LANGUAGES:
            turn.language, turn.language_source = language, "text"
            return
    hint = (event.language_hint or "").lower()[:2]
    if hint in LANGUAGES:
        turn.language, turn.language_source = hint, "hint"
