"""The conversation engine: one customer action in, the bot's replies and the new session out.

`take_turn` is pure apart from what it asks of its `TurnDependencies` (bank operations, journeys,
task tokens, NLU, the card tokeniser). The caller saves `Turn.session` conditionally on its version
and only then performs `Turn.effects` (e.g. deleting the message that carried a card number) and
sends `Turn.replies`. A turn that raises (a dependency failing for a reason that is not a domain
error) changes nothing: the queue retries it. Replays are safe because operations are idempotent,
journey execution names are derived from the session (a second start is refused by Step Functions
and treated as done by the caller) and a used task token cannot be completed twice.

Buttons carry either a global payload (`g:menu`, `g:back`, `g:cancel`, `g:help`, `g:lang:<xx>`,
`g:go:<flow>[:<step>[:<ref>]]` to a flow's entry) or a session-scoped key `s:<epoch>:<n>` that only means
something for the current session and turn: an old, forged or replayed payload is refused.
A `<ref>` (letters, digits, `.`, `_`, `-`; at most 48) is put in the new flow's `data.ref`: a button a
journey or another customer's operation sends (e.g. Pay / Decline on a money request) names the thing it
is about; the flow's operations check that it belongs to the customer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn, Protocol

import yaml
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from messenger_bank.channels.models import Attachment, Button, ChatRef, InboundEvent, OutboundMessage
from messenger_bank.configuration import read_once
from messenger_bank.conversation import catalogue
from messenger_bank.conversation.flows import (
    AskStep,
    BranchStep,
    ButtonSpec,
    CallStep,
    ChooseStep,
    EndStep,
    Flow,
    FlowSet,
    GotoStep,
    Option,
    ResumeStep,
    SayStep,
    StartJourneyStep,
    Step,
    WaitStep,
    default_flows,
)
from messenger_bank.conversation.sessions import DEFAULT_IDLE_MINUTES, Session
from messenger_bank.conversation.validation import (
    SENSITIVE_VALIDATORS,
    VALIDATORS,
    Invalid,
    ValidationContext,
    contains_card_number,
)
from messenger_bank.handlers import SESSION_KEY
from messenger_bank.observability import logger
from messenger_bank.types import LANGUAGES, Language

MENU_FLOW = "menu"
MENU_MAIN = "main"
MENU_GREETING = "greeting"
MENU_NOT_UNDERSTOOD = "not_understood"
MENU_NO_CUSTOMER = "no_customer"
MENU_EXPIRED = "expired"
MENU_LANGUAGE = "language"
HELP_FLOW = "help"
FIND_CUSTOMER = "find_customer"
# The sign-in zone (flows/sign_in.yaml): a refused session signs in again; a sensitive operation
# refused for an old proof asks for the password (or card) again at `reauth`, then resumes.
SIGN_IN_FLOW = "sign_in"
SIGN_IN_REAUTH = "reauth"
SESSION_REFUSED = frozenset({"SessionExpired", "SessionInvalid"})
REAUTHENTICATE = "ReauthenticationRequired"
# Data keys kept when a new flow starts (the rest of `data` belongs to the flow being left).
PERSISTENT_KEYS = frozenset({"referral"})
ENGINE_STEPS = (MENU_MAIN, MENU_GREETING, MENU_NOT_UNDERSTOOD, MENU_NO_CUSTOMER, MENU_EXPIRED, MENU_LANGUAGE)
# Catalogue keys the engine itself uses (the tests check they exist in every language).
ENGINE_KEYS = (
    "common.button_expired",
    "common.cancelled",
    "common.error",
    "common.unsupported",
    "common.choose_please",
    "common.contact_not_own",
    "common.language_changed",
    "session.expired",
    "session.signed_out",
    "error.card_not_here",
    "nav.back",
    "nav.cancel",
)
COMMANDS_FILE = Path(__file__).parent / "commands.yaml"
_PASSPORT_IN_TEXT = re.compile(r"\b[A-Z]{2}\d{7}\b")
# What a `g:go:<flow>:<step>:<ref>` button may carry into `data.ref`.
_GO_REF = re.compile(r"[A-Za-z0-9._-]{1,48}")


# ---------------------------------------------------------------- the boundary


class EntityLike(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def value(self) -> str: ...


class UnderstandingLike(Protocol):
    """The shape of `messenger_bank.conversation.nlu.Understanding`."""

    @property
    def intent(self) -> str | None: ...
    @property
    def confidence(self) -> float: ...
    @property
    def entities(self) -> Sequence[EntityLike]: ...
    @property
    def language(self) -> str: ...


class TurnDependencies(Protocol):
    """What a turn may ask of the outside world; the conversation Lambda implements it."""

    def call_operation(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Invoke a bank operation synchronously; raise `OperationFailed(code)` for a domain error."""
        ...

    def start_journey(self, name: str, execution_name: str, payload: dict[str, Any]) -> str:
        """Start a Step Functions journey (an existing execution of that name counts as started)."""
        ...

    def complete_wait(self, token_ref: str, outcome: dict[str, Any]) -> None:
        """Complete the task token the journey stored under `token_ref` ("<execution>:<task>")."""
        ...

    def understand(self, text: str) -> UnderstandingLike: ...

    def tokenise_card(self, pan: str) -> tuple[str, str]:
        """(token, mask) for a card number; the number goes no further."""
        ...


class OperationFailed(Exception):
    """A bank operation refused with a domain error (`code` = the error's class name)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class DeleteMessage:
    """Delete the customer's message (it carried a card number) — after the session is saved."""

    chat: ChatRef
    message_id: str


Effect = DeleteMessage


@dataclass(frozen=True)
class Turn:
    replies: tuple[OutboundMessage, ...]
    effects: tuple[Effect, ...]
    session: Session


class EngineSettings(BaseSettings):
    """``NLU_THRESHOLD`` and ``SESSION_IDLE_MINUTES`` from the environment, once per cold start."""

    model_config = SettingsConfigDict(frozen=True, populate_by_name=True)

    nlu_threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    idle_minutes: int = Field(
        default=DEFAULT_IDLE_MINUTES, ge=1, validation_alias=AliasChoices("idle_minutes", "SESSION_IDLE_MINUTES")
    )
    default_language: Language = "ru"
    max_steps_per_turn: int = 50


default_settings = read_once(EngineSettings)


@lru_cache(maxsize=1)
def command_words() -> dict[str, frozenset[str]]:
    """Words that work as global commands in any language (commands.yaml)."""
    with COMMANDS_FILE.open(encoding="utf-8") as stream:
        raw: dict[str, list[str]] = yaml.safe_load(stream)
    return {command: frozenset(w.casefold() for w in words) for command, words in raw.items()}


def take_turn(
    event: InboundEvent,
    session: Session | None,
    deps: TurnDependencies,
    *,
    now: datetime,
    flows: FlowSet | None = None,
    settings: EngineSettings | None = None,
) -> Turn:
    """Decide the bot's answer to one customer action."""
    machine = _TurnState(event, session, deps, now, flows or default_flows(), settings or default_settings())
    machine.run()
    return machine.result()


# ---------------------------------------------------------------- the turn


class _Stop(Exception):
    """The turn reached a step that waits for the customer."""


class _TurnState:
    def __init__(
        self,
        event: InboundEvent,
        session: Session | None,
        deps: TurnDependencies,
        now: datetime,
        flows: FlowSet,
        settings: EngineSettings,
    ) -> None:
        self.event, self.deps, self.now, self.flows, self.settings = event, deps, now, flows, settings
        self.expired = session is not None and session.expired(now)
        self.is_new = session is None
        base = session or Session(chat_key=event.chat.key, language=settings.default_language)
        self.version = base.version
        self.customer_id = base.customer_id
        self.session_token = base.session_token
        self.language: Language = base.language
        self.language_source = base.language_source
        self.flow: str | None = None if self.expired else base.flow
        self.step: str | None = None if self.expired else base.step
        # an expired session keeps only its language, customer and persistent keys (e.g. the referral)
        kept = {k: v for k, v in base.data.items() if k in PERSISTENT_KEYS}
        self.data: dict[str, Any] = _copy(kept if self.expired else base.data)
        self.history: list[str] = [] if self.expired else list(base.history)
        self.old_buttons = {} if self.expired else base.buttons
        self.old_epoch = base.epoch
        self.epoch = base.epoch + 1
        self.buttons: dict[str, dict[str, Any]] = {}
        self.replies: list[OutboundMessage] = []
        self.effects: list[Effect] = []
        self.intent: str | None = None
        self._understood: UnderstandingLike | None = None

    # -------------------------------------------------------------- entry

    def run(self) -> None:
        event = self.event
        logger.debug("turn", extra={"kind": event.kind, "flow": self.flow, "step": self.step})
        if event.text and event.message_id and contains_card_number(event.text):
            self.effects.append(DeleteMessage(event.chat, event.message_id))
        if self.is_new:
            self._guess_language()
        try:
            if event.kind == "unsubscribed":
                self.flow = self.step = None
                self.history = []
                return
            if event.kind == "start" and event.referral:
                self.data["referral"] = event.referral[:64]
            if self.expired:
                if event.kind == "text" and event.text:
                    self._say("session.expired")
                    self._on_text(event.text)  # at the top level: a command or a request by intent
                else:
                    self._enter(MENU_FLOW, MENU_EXPIRED, fresh=True)
                return
            if event.kind == "start":
                self._enter(MENU_FLOW, None, fresh=True)
            elif event.kind == "button":
                self._on_button(event.button or "")
            elif event.kind == "text":
                self._on_text(event.text or "")
            elif event.kind == "contact":
                self._on_contact()
            else:
                self._say("common.unsupported")
                self._reprompt()
        except _Stop:
            return

    def result(self) -> Turn:
        session = Session(
            chat_key=self.event.chat.key,
            customer_id=self.customer_id,
            session_token=self.session_token if self.customer_id else None,
            language=self.language,
            language_source=self.language_source,
            flow=self.flow,
            step=self.step,
            data=self.data,
            history=tuple(self.history[-20:]),
            buttons=self.buttons,
            epoch=self.epoch,
            version=self.version,
            expires_at=int((self.now + timedelta(minutes=self.settings.idle_minutes)).timestamp()),
            last_seen=self.now,
        )
        return Turn(replies=tuple(self.replies), effects=tuple(self.effects), session=session)

    # -------------------------------------------------------------- language

    def _understand(self, text: str) -> UnderstandingLike:
        if self._understood is None:
            self._understood = self.deps.understand(text)
        return self._understood

    def _guess_language(self) -> None:
        event = self.event
        # A command ("/start", "menu", "меню") names no language: the platform's hint, else the default, does.
        words = (
            event.text is not None and not event.text.lstrip().startswith("/") and not self._match_command(event.text)
        )
        if event.kind == "text" and event.text and words:
            language = self._understand(event.text).language
            if language in LANGUAGES:
                self.language, self.language_source = language, "text"
                return
        hint = (event.language_hint or "").lower()[:2]
        if hint in LANGUAGES:
            self.language, self.language_source = hint, "hint"

    def _set_language(self, language: str) -> None:
        if language in LANGUAGES:
            self.language, self.language_source = language, "chosen"

    # -------------------------------------------------------------- inputs

    def _on_button(self, payload: str) -> None:
        if payload.startswith("g:"):
            self._on_global(payload[2:])
            return
        action = self._scoped_action(payload)
        if action is None:
            logger.warning("button refused", extra={"flow": self.flow, "step": self.step})
            self._say("common.button_expired")
            self._reprompt()
            return
        kind = action.get("kind")
        if kind == "next":
            self._run(str(action["flow"]), str(action["step"]))
        elif kind == "goto":
            self._leave_wait()
            self._enter(str(action["flow"]), action.get("step"), fresh=True)
        else:
            step = self._current()
            if step is not None and f"{self.flow}:{self.step}" == action.get("at"):
                if kind == "option":
                    self._pick_option(step, str(action["option"]))
                    return
                if kind == "item" and isinstance(step, ChooseStep):
                    self._pick_item(step, int(action["index"]))
                    return
            self._say("common.button_expired")
            self._reprompt()

    def _scoped_action(self, payload: str) -> dict[str, Any] | None:
        m = re.fullmatch(r"s:(\d{1,9}):(\d{1,3})", payload)
        if m is None or int(m[1]) != self.old_epoch:
            return None
        return self.old_buttons.get(m[2])

    def _on_global(self, command: str) -> None:
        if command.startswith("go:"):
            flow_name, _, rest = command[3:].partition(":")
            step_id, _, ref = rest.partition(":")
            flow = self.flows.flows.get(flow_name)
            bad_ref = bool(ref) and (not step_id or _GO_REF.fullmatch(ref) is None)
            if flow is None or (step_id and step_id not in flow.entries) or bad_ref:
                self._say("common.button_expired")
                self._reprompt()
                return
            self._leave_wait()
            self._enter(flow_name, step_id or None, fresh=True, ref=ref or None)
            return
        if command.startswith("lang:"):
            self._command("language:" + command[5:])
            return
        if command in ("menu", "back", "cancel", "help", "language"):
            self._command(command)
            return
        self._say("common.button_expired")
        self._reprompt()

    def _on_text(self, text: str) -> None:
        command = self._match_command(text)
        if command:
            self._command(command)
            return
        step = self._current()
        if isinstance(step, AskStep):
            self._answer(step, text)
        elif isinstance(step, ChooseStep):
            self._choose_by_text(step, text)
        elif isinstance(step, WaitStep) and (step.options or step.validator):
            if step.validator:
                self._answer_wait(step, text)
            else:
                self._choose_by_text(step, text)
        else:
            self._route(text)

    def _on_contact(self) -> None:
        step = self._current()
        event = self.event
        if not isinstance(step, AskStep) or not step.accept_contact or not event.phone:
            self._say("common.unsupported")
            self._reprompt()
            return
        if event.contact_user_id is not None and event.contact_user_id != event.user_id:
            self._prompt(step, error="common.contact_not_own")
            raise _Stop
        value = self._validate(step.validator, step.params, event.phone)
        if isinstance(value, Invalid):
            self._prompt(step, error=value.key, error_values=dict(value.values))
            raise _Stop
        self.data[step.into] = value
        if step.verified_into:
            self.data[step.verified_into] = True
        self._run(self.flow or MENU_FLOW, step.next)

    def _match_command(self, text: str) -> str | None:
        word = text.strip().casefold().lstrip("/")
        for command, words in command_words().items():
            if word in words or "/" + word in words:
                return command
        return None

    # -------------------------------------------------------------- commands

    def _command(self, command: str) -> None:
        if command.startswith("language:"):
            self._set_language(command.split(":", 1)[1])
            self._say("common.language_changed")
            if self.flow and not (self.flow == MENU_FLOW and self.step == MENU_LANGUAGE):
                self._reprompt()
            else:
                self._enter(MENU_FLOW, MENU_MAIN, fresh=True)
            return
        if command == "language":
            self._enter(MENU_FLOW, MENU_LANGUAGE, fresh=False)
            return
        if command == "back":
            self._back()
            return
        self._leave_wait()
        if command == "cancel":
            self._say("common.cancelled")
            self._enter(MENU_FLOW, MENU_MAIN, fresh=True)
        elif command == "help":
            self._enter(HELP_FLOW, None, fresh=True)
        else:
            self._enter(MENU_FLOW, MENU_MAIN, fresh=True)

    def _back(self) -> None:
        here = f"{self.flow}:{self.step}"
        while self.history and self.history[-1] == here:
            self.history.pop()
        if not self.history:
            self._leave_wait()
            self._enter(MENU_FLOW, MENU_MAIN, fresh=True)
            return
        self._leave_wait()
        target = self.history.pop()
        flow_name, _, step_id = target.partition(":")
        if flow_name not in self.flows.flows or self.flows.flows[flow_name].step(step_id) is None:
            self._enter(MENU_FLOW, MENU_MAIN, fresh=True)
            return
        self._run(flow_name, step_id)

    def _leave_wait(self) -> None:
        """Leaving a wait for the customer's decision by any other way declines the journey's task."""
        step = self._current()
        if isinstance(step, WaitStep) and step.task:
            ref = self._token_ref(step)
            if ref:
                try:
                    self.deps.complete_wait(ref, {"decision": "cancel"})
                except OperationFailed:
                    logger.info("wait already closed", extra={"flow": self.flow, "step": self.step})

    def _route(self, text: str) -> None:
        """Free text at the top level: to the flow for its intent, or "did not understand" + menu."""
        understood = self._understand(text)
        intent = understood.intent if understood.confidence >= self.settings.nlu_threshold else None
        if self.language_source in ("default", "hint") and understood.language in LANGUAGES:
            self.language, self.language_source = understood.language, "text"
        self.intent = intent
        if intent in ("cancel", "help", "language"):
            self._command(str(intent))
            return
        target = self.flows.flow_for_intent(intent) if intent else None
        if target is None:
            self._enter(MENU_FLOW, MENU_NOT_UNDERSTOOD, fresh=True)
            return
        flow, step_id = target
        self._leave_wait()
        self._enter(flow.flow, step_id, fresh=True, entities=self._entities(understood))

    def _confident_elsewhere(self, text: str) -> bool:
        """True when a wrong answer is really a request for something else (or a command)."""
        understood = self._understand(text)
        if understood.confidence < self.settings.nlu_threshold or understood.intent is None:
            return False
        if understood.intent in ("cancel", "help", "language"):
            return True
        target = self.flows.flow_for_intent(understood.intent)
        return target is not None and target[0].flow != self.flow

    def _entities(self, understood: UnderstandingLike) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for entity in understood.entities:
            if entity.type in found:
                continue
            if entity.type == "card_number":
                token, mask = self.deps.tokenise_card(entity.value)
                found["card_number"] = {"token": token, "mask": mask}
            else:
                found[entity.type] = entity.value
        return found

    # -------------------------------------------------------------- answers

    def _validate(self, name: str, params: Mapping[str, Any], text: str) -> Any:
        validator = VALIDATORS[name]
        value = validator(text, ValidationContext(now=self.now, params=params, data=self.data))
        if name == "card_number" and not isinstance(value, Invalid):
            token, mask = self.deps.tokenise_card(str(value))
            return {"token": token, "mask": mask}
        if isinstance(value, str) and contains_card_number(value):
            return Invalid("error.card_not_here")  # e.g. a card number typed as an address or account
        return value

    def _store(self, step: AskStep, value: Any) -> None:
        self.data[step.into] = value
        if step.validator in SENSITIVE_VALIDATORS:
            sensitive = set(self.data.get("_sensitive", []))
            sensitive.add(step.into)
            self.data["_sensitive"] = sorted(sensitive)

    def _answer(self, step: AskStep, text: str) -> None:
        value = self._validate(step.validator, step.params, text)
        if isinstance(value, Invalid):
            if self._confident_elsewhere(text):
                self._route(text)
                return
            self._prompt(step, error=value.key, error_values=dict(value.values))
            raise _Stop
        self._store(step, value)
        if step.verified_into:
            self.data[step.verified_into] = False
        self._run(self.flow or MENU_FLOW, step.next)

    def _answer_wait(self, step: WaitStep, text: str) -> None:
        assert step.validator is not None and step.next is not None
        value = self._validate(step.validator, step.params, text)
        if isinstance(value, Invalid):
            self._prompt(step, error=value.key, error_values=dict(value.values))
            raise _Stop
        ref = self._token_ref(step)
        if ref:
            self.deps.complete_wait(ref, {step.outcome_field: value})
        self._run(self.flow or MENU_FLOW, step.next)

    def _choose_by_text(self, step: ChooseStep | WaitStep, text: str) -> None:
        word = _plain(text)
        for option in step.options:
            labels = {_plain(catalogue.text(option.label, lang)) for lang in LANGUAGES}
            if word == option.id or word in labels or word in {_plain(w) for w in option.words}:
                self._pick_option(step, option.id)
                return
        if isinstance(step, ChooseStep) and step.options_from is not None:
            items = self._items(step)
            for index, item in enumerate(items):
                label = _plain(str(item.get(step.options_from.label, "")))
                if word and (label == word or (len(word) >= 4 and label.endswith(word))):
                    self._pick_item(step, index)
                    return
        understood = self._understand(text)
        if understood.intent and understood.confidence >= self.settings.nlu_threshold:
            for option in step.options:
                if understood.intent in option.intents:
                    self._pick_option(step, option.id)
                    return
        if self._confident_elsewhere(text):
            self._route(text)
            return
        self._prompt(step, error="common.choose_please")
        raise _Stop

    def _pick_option(self, step: Step, option_id: str) -> None:
        options: tuple[Option, ...] = getattr(step, "options", ())
        option = next((o for o in options if o.id == option_id), None)
        if option is None:
            self._say("common.button_expired")
            self._reprompt()
            return
        if option.language:
            self._set_language(option.language)
        if isinstance(step, ChooseStep) and step.into:
            self.data[step.into] = option.id
        if isinstance(step, WaitStep):
            ref = self._token_ref(step)
            if ref:
                self.deps.complete_wait(ref, dict(option.outcome) or {"decision": option.id})
        self._run(self.flow or MENU_FLOW, option.next)

    def _pick_item(self, step: ChooseStep, index: int) -> None:
        assert step.options_from is not None
        items = self._items(step)
        if not 0 <= index < len(items):
            self._say("common.button_expired")
            self._reprompt()
            return
        if step.into:
            self.data[step.into] = items[index]
        self._run(self.flow or MENU_FLOW, step.options_from.next)

    # -------------------------------------------------------------- running steps

    def _current(self) -> Step | None:
        flow = self.flows.flows.get(self.flow or "")
        return flow.step(self.step) if flow and self.step else None

    def _reprompt(self) -> None:
        step = self._current()
        if step is None or isinstance(step, BranchStep | CallStep | StartJourneyStep | GotoStep | EndStep):
            self._enter(MENU_FLOW, MENU_MAIN, fresh=True)
            return
        self._prompt(step)
        raise _Stop

    def _enter(
        self,
        flow_name: str,
        step_id: str | None,
        *,
        fresh: bool,
        entities: dict[str, Any] | None = None,
        ref: str | None = None,
    ) -> None:
        flow = self.flows.flows.get(flow_name)
        if flow is None:
            flow = self.flows.flows[MENU_FLOW]
            step_id = None
        if fresh:
            self.data = {k: v for k, v in self.data.items() if k in PERSISTENT_KEYS}
            self.history = []
            seed = f"{self.event.chat.key}|{self.event.update_id}|{flow.flow}"
            self.data["_run"] = hashlib.sha256(seed.encode()).hexdigest()[:16]
        if entities:
            self.data["_entities"] = entities
        if ref:
            self.data["ref"] = ref
        if flow.requires_customer and not self._identify():
            self._run(MENU_FLOW, MENU_NO_CUSTOMER)
            return
        self._run(flow.flow, step_id or flow.start)

    def _identify(self) -> bool:
        if self.customer_id:
            return True
        return self._open_session()

    def _open_session(self) -> bool:
        """Ask for the chat's binding and a fresh session (with the latest proof of card or password)."""
        found = self.deps.call_operation(
            FIND_CUSTOMER,
            {"channel": self.event.chat.channel, "user_id": self.event.user_id, "chat_key": self.event.chat.key},
        )
        customer_id, token = found.get("customer_id"), found.get("session")
        self.customer_id = str(customer_id) if customer_id else None
        self.session_token = str(token) if customer_id and token else None
        return self.customer_id is not None

    def _run(self, flow_name: str, step_id: str) -> None:
        flow = self.flows.flows.get(flow_name)
        if flow is None or flow.step(step_id) is None:
            # a session or button from before a flow file changed: start again from the menu
            logger.warning("step no longer exists", extra={"flow": flow_name, "step": step_id})
            flow, step_id = self.flows.flows[MENU_FLOW], MENU_MAIN
        for _ in range(self.settings.max_steps_per_turn):
            step = flow.step(step_id)
            if step is None:
                raise LookupError(f"{flow.flow}: no step {step_id!r}")  # the linter prevents this
            self.flow, self.step = flow.flow, step.id
            following = self._execute(flow, step)
            if following is None:
                return
            next_flow, step_id = following
            flow = self.flows.flows[next_flow]
        raise RuntimeError(f"{flow.flow}: more than {self.settings.max_steps_per_turn} steps in one turn")

    def _execute(self, flow: Flow, step: Step) -> tuple[str, str] | None:
        """Do one step; the (flow, step) to continue at, or None when the turn stops here."""
        here = flow.flow
        match step:
            case SayStep():
                self._prompt(step)
                return (here, step.next) if step.next else self._stop(step)
            case AskStep():
                if self._messenger_knows_the_phone(step):
                    return here, step.next
                prefilled = self._prefill(step)
                if prefilled is not None:
                    self._store(step, prefilled)
                    return here, step.next
                self._prompt(step)
                return self._stop(step)
            case ChooseStep():
                return self._execute_choose(here, step)
            case BranchStep():
                value = _case_key(self._resolve(step.by))
                return here, step.cases.get(value, step.default)
            case CallStep():
                return self._execute_call(here, step)
            case StartJourneyStep():
                self._execute_start(flow, step)
                return here, step.next
            case WaitStep():
                self._prompt(step)
                return self._stop(step)
            case GotoStep():
                target = self.flows.flows[step.flow]
                if target.requires_customer and not self._identify():
                    return MENU_FLOW, MENU_NO_CUSTOMER
                self.history = []
                return target.flow, step.step or target.start
            case ResumeStep():
                return self._resume()
            case EndStep():
                if step.message:
                    self._say(step.message, **self._values(step.values))
                self.flow = self.step = None
                self.history = []
                self.data = {k: v for k, v in self.data.items() if k in PERSISTENT_KEYS}
                return (MENU_FLOW, MENU_MAIN) if step.menu else None
        raise TypeError(type(step).__name__)

    def _resume(self) -> tuple[str, str]:
        """Back to the operation that asked for the password again, with a session that knows it was given."""
        resume = self.data.pop("_resume", None)
        if not isinstance(resume, dict) or not self._open_session():
            return MENU_FLOW, MENU_MAIN
        flow_name, step_id = str(resume.get("flow")), str(resume.get("step"))
        flow = self.flows.flows.get(flow_name)
        if flow is None or flow.step(step_id) is None:
            return MENU_FLOW, MENU_MAIN
        return flow_name, step_id

    def _stop(self, step: Step) -> NoReturn:
        position = f"{self.flow}:{step.id}"
        if not self.history or self.history[-1] != position:
            self.history.append(position)
        raise _Stop

    def _messenger_knows_the_phone(self, step: AskStep) -> bool:
        """On WhatsApp the chat is the sender's own number: a phone question answers itself."""
        chat = self.event.chat
        if not step.accept_contact or chat.channel != "whatsapp" or not chat.chat_id.isdigit():
            return False
        phone = self._validate(step.validator, step.params, "+" + chat.chat_id)
        if isinstance(phone, Invalid):
            return False
        self.data[step.into] = phone
        if step.verified_into:
            self.data[step.verified_into] = True
        return True

    def _prefill(self, step: AskStep) -> Any:
        entities: dict[str, Any] = self.data.get("_entities", {})
        if step.entity is None or step.entity not in entities:
            return None
        raw = entities.pop(step.entity)
        if step.entity == "card_number":
            return raw if step.validator == "card_number" else None
        value = self._validate(step.validator, step.params, str(raw))
        return None if isinstance(value, Invalid) else value

    def _execute_choose(self, here: str, step: ChooseStep) -> tuple[str, str] | None:
        entities: dict[str, Any] = self.data.get("_entities", {})
        if step.entity and step.entity in entities:
            wanted = entities.pop(step.entity)
            option = next((o for o in step.options if o.id == wanted), None)
            if option is not None:
                if step.into:
                    self.data[step.into] = option.id
                return here, option.next
        if step.options_from is not None:
            items = self._items(step)
            if not items and step.options_from.empty:
                return here, step.options_from.empty
            if len(items) == 1 and step.options_from.auto_single and not step.options:
                if step.into:
                    self.data[step.into] = items[0]
                return here, step.options_from.next
        self._prompt(step)
        return self._stop(step)

    def _call(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The operation with the chat's session beside it; a refused session is opened again once."""
        if not self.customer_id or not self.session_token:
            return self.deps.call_operation(operation, payload)
        try:
            return self.deps.call_operation(operation, {**payload, SESSION_KEY: self._session()})
        except OperationFailed as failure:
            if failure.code not in SESSION_REFUSED:
                raise
        customer = self.customer_id
        if not self._open_session() or self.customer_id != customer:
            # No longer bound (or bound to someone else): nothing more runs for the old customer.
            raise OperationFailed("SessionInvalid")
        return self.deps.call_operation(operation, {**payload, SESSION_KEY: self._session()})

    def _session(self) -> dict[str, str]:
        return {"token": self.session_token or "", "chat_key": self.event.chat.key}

    def _execute_call(self, here: str, step: CallStep) -> tuple[str, str] | None:
        payload = {name: self._resolve(value) for name, value in step.with_.items()}
        if payload.get("customer_id") and not self.session_token and self.customer_id:
            self._open_session()  # a session from before the sign-in zone, or one whose token was dropped
        try:
            result = self._call(step.operation, payload)
        except OperationFailed as failure:
            logger.info("operation refused", extra={"operation": step.operation, "code": failure.code})
            if failure.code == REAUTHENTICATE and here != SIGN_IN_FLOW and "_resume" not in self.data:
                self.data["_resume"] = {"flow": here, "step": step.id}
                return SIGN_IN_FLOW, SIGN_IN_REAUTH
            if failure.code in SESSION_REFUSED:
                self.customer_id = self.session_token = None
                self._say("session.signed_out")
                self.data = {k: v for k, v in self.data.items() if k in PERSISTENT_KEYS}
                return MENU_FLOW, MENU_NO_CUSTOMER
            target = step.errors.get(failure.code) or step.on_error
            if target:
                self.data["_error"] = failure.code
                return here, target
            self._say("common.error")
            self.flow = self.step = None
            self.data = {k: v for k, v in self.data.items() if k in PERSISTENT_KEYS}
            return MENU_FLOW, MENU_MAIN
        if step.into:
            self.data[step.into] = result
        for key in step.forget:
            self.data.pop(key, None)
        if step.forget:
            self.data["_sensitive"] = [k for k in self.data.get("_sensitive", []) if k not in step.forget]
        if step.sets_customer and result.get("customer_id"):
            self.customer_id = str(result["customer_id"])
            self.session_token = str(result["session"]) if result.get("session") else None
        return here, step.next

    def _execute_start(self, flow: Flow, step: StartJourneyStep) -> None:
        sensitive = set(self.data.get("_sensitive", []))
        payload: dict[str, Any] = {}
        for name, ref in step.input.items():
            if isinstance(ref, str) and ref.startswith("$data.") and ref[6:].split(".")[0] in sensitive:
                raise ValueError(f"{flow.flow}.{step.id}: journey input {name} would carry personal data")
            value = self._resolve(ref)
            # What the customer gave ($data) is checked; the chat's own keys are the platform's ids (a
            # 16-digit Messenger id may pass a Luhn check) and never carry what the customer typed.
            typed = isinstance(ref, str) and ref.startswith("$data.")
            if typed and isinstance(value, str) and (contains_card_number(value) or _PASSPORT_IN_TEXT.search(value)):
                raise ValueError(f"{flow.flow}.{step.id}: journey input {name} looks like a card or passport")
            payload[name] = value
        starts = int(self.data.get("_starts", 0)) + 1
        self.data["_starts"] = starts
        execution = f"{step.journey}-{self.data.get('_run', 'run')}-{starts}"[:80]
        arn = self.deps.start_journey(step.journey, execution, payload)
        self.data[step.into] = {"execution": execution, "arn": arn}

    def _token_ref(self, step: WaitStep) -> str | None:
        started = self.data.get(step.journey)
        if not isinstance(started, dict) or not step.task:
            return None
        return f"{started['execution']}:{step.task}"

    def _items(self, step: ChooseStep) -> list[dict[str, Any]]:
        assert step.options_from is not None
        items = self._resolve(step.options_from.items)
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    # -------------------------------------------------------------- references and messages

    def _resolve(self, ref: Any) -> Any:
        if not isinstance(ref, str) or not ref.startswith("$"):
            return ref
        name = ref[1:]
        simple = {
            "customer_id": self.customer_id,
            "customer_known": "yes" if self.customer_id else "no",
            "chat_key": self.event.chat.key,
            "channel": self.event.chat.channel,
            "user_id": self.event.user_id,
            "language": self.language,
            "intent": self.intent,
        }
        if name in simple:
            return simple[name]
        if not name.startswith("data."):
            return None
        node: Any = self.data
        for part in name[5:].split("."):
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def _values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        resolved = {name: self._resolve(ref) for name, ref in values.items()}
        return {k: "" if v is None else v for k, v in resolved.items()}

    def _say(self, key: str, **values: Any) -> None:
        self.replies.append(OutboundMessage(text=catalogue.text(key, self.language, **values)))

    def _prompt(self, step: Step, *, error: str | None = None, error_values: dict[str, str] | None = None) -> None:
        message: str = getattr(step, "message", "")
        body = catalogue.text(message, self.language, **self._values(getattr(step, "values", {})))
        if error:
            body = catalogue.text(error, self.language, **(error_values or {})) + "\n\n" + body
        rows: list[tuple[Button, ...]] = []
        if isinstance(step, SayStep | AskStep):
            for row in step.buttons:
                buttons = tuple(b for b in (self._button(spec) for spec in row) if b is not None)
                if buttons:
                    rows.append(buttons)
        if isinstance(step, ChooseStep | WaitStep):
            choices = [self._option_button(step, o) for o in step.options]
            if isinstance(step, ChooseStep) and step.options_from is not None:
                for index, item in enumerate(self._items(step)):
                    label = str(item.get(step.options_from.label, "?"))[:64] or "?"
                    choices.append(self._scoped(label, {"kind": "item", "index": index, "at": self._here(step)}))
            width = step.columns if isinstance(step, ChooseStep) else 2
            rows.extend(tuple(choices[i : i + width]) for i in range(0, len(choices), width))
        flow = self.flows.flows.get(self.flow or "")
        if flow is not None and flow.nav and isinstance(step, AskStep | ChooseStep):
            rows.append(
                (
                    Button(label=catalogue.text("nav.back", self.language), payload="g:back"),
                    Button(label=catalogue.text("nav.cancel", self.language), payload="g:cancel"),
                )
            )
        attachment = None
        if isinstance(step, SayStep) and step.attachment is not None:
            url = self._resolve(step.attachment.url)
            if isinstance(url, str) and url:
                attachment = Attachment(kind=step.attachment.kind, url=url, filename=step.attachment.filename)
        self.replies.append(OutboundMessage(text=body, buttons=tuple(rows), attachment=attachment))

    def _here(self, step: Step) -> str:
        return f"{self.flow}:{step.id}"

    def _scoped(self, label: str, action: dict[str, Any]) -> Button:
        key = str(len(self.buttons))
        self.buttons[key] = action
        return Button(label=label, payload=f"s:{self.epoch}:{key}")

    def _option_button(self, step: Step, option: Option) -> Button:
        label = catalogue.text(option.label, self.language)[:64]
        return self._scoped(label, {"kind": "option", "option": option.id, "at": self._here(step)})

    def _button(self, spec: ButtonSpec) -> Button | None:
        label = catalogue.text(spec.label, self.language)[:64]
        if spec.url is not None:
            url = self._resolve(spec.url)
            return Button(label=label, url=str(url), web_app=spec.web_app) if url else None
        if spec.request_phone:
            return Button(label=label, request_phone=True)
        if spec.command is not None:
            payload = "g:lang:" + spec.command[9:] if spec.command.startswith("language:") else "g:" + spec.command
            return Button(label=label, payload=payload)
        if spec.goto is not None:
            flow_name, _, step_id = spec.goto.partition(":")
            target = self.flows.flows.get(flow_name)
            if target is not None and (not step_id or step_id in target.entries):
                return Button(label=label, payload=f"g:go:{spec.goto}")
            return self._scoped(label, {"kind": "goto", "flow": flow_name, "step": step_id or None})
        return self._scoped(label, {"kind": "next", "flow": self.flow, "step": spec.next})


def _plain(text: str) -> str:
    """Lower case letters and digits only, single spaces: "✅ Confirm!" and "confirm" compare equal."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.casefold()).split())


def _case_key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
