"""One turn's working state: the session read at its start, changed as steps run, turned into the result.

Everything the routing, the step executors and the answers share lives here: where the chat is, who
the customer is, the flow data, the replies so far, and the few services they all need (references,
validation, bank operations with the chat's sign-in session).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from messenger_bank.channels.models import InboundEvent, OutboundMessage
from messenger_bank.conversation import catalogue
from messenger_bank.conversation.engine.boundary import (
    FIND_CUSTOMER,
    SESSION_REFUSED,
    Effect,
    OperationFailed,
    Turn,
    TurnDependencies,
    UnderstandingLike,
)
from messenger_bank.conversation.engine.state import FlowData
from messenger_bank.conversation.flows import AskStep, ChooseStep, FlowSet, Step, WaitStep
from messenger_bank.conversation.sessions import Session
from messenger_bank.conversation.validation import (
    SENSITIVE_VALIDATORS,
    VALIDATORS,
    Invalid,
    ValidationContext,
    contains_card_number,
)
from messenger_bank.handlers import SESSION_KEY
from messenger_bank.ids import in_letters
from messenger_bank.types import LANGUAGES, Language

if TYPE_CHECKING:
    from messenger_bank.conversation.engine import EngineSettings

HISTORY_KEPT = 20


class WaitForCustomer(Exception):
    """The turn reached a step that waits for the customer; raised so no caller runs anything after it."""


class TurnContext:
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
        # An expired session keeps only its language, customer and persistent values (e.g. the referral).
        self.flow: str | None = None if self.expired else base.flow
        self.step: str | None = None if self.expired else base.step
        self.data: FlowData = base.data.kept() if self.expired else base.data.model_copy(deep=True)
        if self.expired:
            self.data.values.pop("missed", None)  # misses a session apart are not in a row
        self.history: list[str] = [] if self.expired else list(base.history)
        self.old_buttons = {} if self.expired else base.buttons
        self.old_epoch = base.epoch
        self.epoch = base.epoch + 1
        self.buttons: dict[str, dict[str, Any]] = {}
        self.reply_keyboard = base.reply_keyboard  # still shown, even after the session expired
        self.replies: list[OutboundMessage] = []
        self.effects: list[Effect] = []
        self.intent: str | None = None
        self.missed = False  # this turn was a top-level miss (navigation.missed)
        self.disputable: str | None = None  # a refusal a person may look at again was said this turn
        self._understood: UnderstandingLike | None = None

    def result(self) -> Turn:
        replies = self._keyboard_closed(self.replies)
        session = Session(
            chat_key=self.event.chat.key,
            customer_id=self.customer_id,
            session_token=self.session_token if self.customer_id else None,
            language=self.language,
            language_source=self.language_source,
            flow=self.flow,
            step=self.step,
            data=self.data,
            history=tuple(self.history[-HISTORY_KEPT:]),
            buttons=self.buttons,
            epoch=self.epoch,
            reply_keyboard=self.reply_keyboard,
            version=self.version,
            expires_at=int((self.now + timedelta(minutes=self.settings.idle_minutes)).timestamp()),
            last_seen=self.now,
        )
        return Turn(replies=replies, effects=tuple(self.effects), session=session)

    def _keyboard_closed(self, replies: list[OutboundMessage]) -> tuple[OutboundMessage, ...]:
        """The replies, the first one after a standing keyboard's step taking it away (and `reply_keyboard`
        left saying whether one still stands): a keyboard belongs to its step, not to what follows."""
        closed: list[OutboundMessage] = []
        for reply in replies:
            if reply.opens_keyboard:
                self.reply_keyboard = True
            elif self.reply_keyboard:
                reply = reply.model_copy(update={"closes_keyboard": True})
                self.reply_keyboard = False
            closed.append(reply)
        return tuple(closed)

    # -------------------------------------------------------------- where the chat is

    def current(self) -> Step | None:
        flow = self.flows.flows.get(self.flow or "")
        return flow.step(self.step) if flow and self.step else None

    def here(self, step: Step) -> str:
        return f"{self.flow}:{step.id}"

    def stop(self, step: Step) -> NoReturn:
        """Wait at `step` for the customer (and remember it for Back)."""
        position = self.here(step)
        if not self.history or self.history[-1] != position:
            self.history.append(position)
        raise WaitForCustomer

    def start_afresh(self, flow_name: str) -> None:
        """A new flow starts with only the persistent values, and a run name of its own."""
        self.data = self.data.kept()
        self.history = []
        # Derived from the update, so a replayed turn names its journeys as the first attempt did.
        seed = f"{self.event.chat.key}|{self.event.update_id}|{flow_name}"
        # Letters only (hex digits spelled a-p): an all-digit run would read as a card number wherever the
        # journey's name goes (execution histories, quotes, logs), and a card-number scan rightly flags it.
        self.data.run = in_letters(hashlib.sha256(seed.encode()).hexdigest()[:16])

    def forget_the_flow(self) -> None:
        self.flow = self.step = None
        self.history = []
        self.data = self.data.kept()

    # -------------------------------------------------------------- language and understanding

    def understand(self, text: str) -> UnderstandingLike:
        """The NLU's reading of the turn's text, asked for at most once."""
        if self._understood is None:
            self._understood = self.deps.understand(text)
        return self._understood

    def set_language(self, language: str) -> None:
        if language in LANGUAGES:
            self.language, self.language_source = language, "chosen"

    def say(self, key: str, **values: Any) -> None:
        self.replies.append(OutboundMessage(text=catalogue.text(key, self.language, **values)))

    # -------------------------------------------------------------- references

    def resolve(self, ref: Any) -> Any:
        """A flow reference (`$data.a.b`, `$customer_id`...) to its value; anything else is a literal."""
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
        root, *path = name[5:].split(".")
        node: Any = self.data.lookup(root)
        for part in path:
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """A message's placeholders filled; a missing value shows as nothing rather than "None"."""
        resolved = {name: self.resolve(ref) for name, ref in values.items()}
        return {k: "" if v is None else v for k, v in resolved.items()}

    def items(self, step: ChooseStep) -> list[dict[str, Any]]:
        assert step.options_from is not None
        items = self.resolve(step.options_from.items)
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def token_ref(self, step: WaitStep) -> str | None:
        """The task token a wait completes: "<execution>:<task>" of the journey its flow started."""
        started = self.data.values.get(step.journey)
        if not isinstance(started, dict) or not step.task:
            return None
        return f"{started['execution']}:{step.task}"

    # -------------------------------------------------------------- answers

    def validate(self, name: str, params: Mapping[str, Any], text: str) -> Any:
        """The validator's value for the text (a card number becomes its token and mask), or Invalid."""
        validator = VALIDATORS[name]
        value = validator(text, ValidationContext(now=self.now, params=params, data=self.data.values))
        if name == "card_number" and not isinstance(value, Invalid):
            token, mask = self.deps.tokenise_card(str(value))
            return {"token": token, "mask": mask}
        if isinstance(value, str) and contains_card_number(value):
            return Invalid("error.card_not_here")  # e.g. a card number typed as an address or account
        return value

    def store(self, step: AskStep, value: Any) -> None:
        self.data.values[step.into] = value
        if step.validator in SENSITIVE_VALIDATORS:
            self.data.sensitive = tuple(sorted({*self.data.sensitive, step.into}))

    # -------------------------------------------------------------- the customer and their session

    def identify(self) -> bool:
        return bool(self.customer_id) or self.open_session()

    def open_session(self) -> bool:
        """Ask for the chat's binding and a fresh session (with the latest proof of card or password)."""
        found = self.deps.call_operation(
            FIND_CUSTOMER,
            {"channel": self.event.chat.channel, "user_id": self.event.user_id, "chat_key": self.event.chat.key},
        )
        customer_id, token = found.get("customer_id"), found.get("session")
        self.customer_id = str(customer_id) if customer_id else None
        self.session_token = str(token) if customer_id and token else None
        return self.customer_id is not None

    def call(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The operation with the chat's session beside it; a refused session is opened again once."""
        if not self.customer_id or not self.session_token:
            return self.deps.call_operation(operation, payload)
        try:
            return self.deps.call_operation(operation, {**payload, SESSION_KEY: self._session()})
        except OperationFailed as failure:
            if failure.code not in SESSION_REFUSED:
                raise
        customer = self.customer_id
        if not self.open_session() or self.customer_id != customer:
            # No longer bound (or bound to someone else): nothing more runs for the old customer.
            raise OperationFailed("SessionInvalid")
        return self.deps.call_operation(operation, {**payload, SESSION_KEY: self._session()})

    def _session(self) -> dict[str, str]:
        return {"token": self.session_token or "", "chat_key": self.event.chat.key}
