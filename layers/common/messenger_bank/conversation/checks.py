"""Conversation tests written as data, and the checks a flows bundle must pass before it is published.

A conversation test (`conversations/*.yaml`) is what a product person would try in the chat, turn by turn:

    - conversation: A customer starts a transfer from the menu
      customer: known                 # known (bound to a bank customer, the default) or new
      language: ru                    # the messenger's language (ru, be, en); ru by default
      messenger: telegram             # telegram, viber, whatsapp or messenger; telegram by default
      turns:
        - opens: chat                 # the customer opens the chat (/start)
          bot: {says: menu.greeting, buttons: [menu.transfer]}
        - presses: menu.transfer      # a button, by its catalogue key (or its words)
          bot: {asks: transfer.ask_card}
        - says: 4111 1111 1111 1111   # what the customer types
          bot: {asks: transfer.ask_amount}

What the bot should do (`bot:`), each optional: `says` (a catalogue key or words; a list for several), `asks` (says
it and waits there for the customer's answer), `buttons` (shown), `not_says`, `starts` (a journey: transfer,
topup, bill_payment, card_issuance, ...), `calls` (a bank operation). A key's `{placeholders}` match any value.

The bank is a fake, in-process: no cloud is touched. Operations answer as `BANK` says (a known customer with a card,
a balance, payees...); `bank:` changes an operation's answer, `refuses:` makes one fail with an error its
declaration names, `down:` takes bank systems down (the outage flow). Typed text goes through the real NLU.

`check_bundle` runs the flow linter and every conversation of a bundle against the bundle's own flows and
catalogue: the flows' validator Lambda and `make publish-flows` refuse a bundle with any problem.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from messenger_bank.channels.models import ChatRef, InboundEvent
from messenger_bank.conversation import catalogue as catalogue_module
from messenger_bank.conversation.engine import OperationFailed, Turn, take_turn
from messenger_bank.conversation.flowlint import lint_flows
from messenger_bank.conversation.flows import AskStep, ChooseStep, FlowFileError, FlowSet, WaitStep, load_flows
from messenger_bank.conversation.published import Bundle, unpack
from messenger_bank.conversation.sessions import Session
from messenger_bank.operations import operation

START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

# What the fake bank answers when a conversation does not say otherwise: a known customer with one card.
BANK: dict[str, dict[str, Any]] = {
    "find_customer": {"customer_id": "cus_1"},
    "list_cards": {"items": [{"card_id": "card_1", "mask": "•• 1111", "status": "active"}]},
    "get_balance": {"balance": "120.50 BYN", "available": "100.00 BYN"},
    "last_balances": {"items": []},
    "quote_transfer": {"quote_id": "q1", "fee": "0.50 BYN", "total": "50.50 BYN", "otp_required": False},
    "quote_payment": {
        "quote_id": "p1",
        "payee": "MTS",
        "account": "+375291234567",
        "amount": "10.00 BYN",
        "fee": "0.00 BYN",
        "total": "10.00 BYN",
    },
    "list_payees": {"items": [{"payee_id": "100001", "name": "MTS"}, {"payee_id": "100002", "name": "A1"}]},
    "list_saved_payees": {"items": []},
    "check_payee_account": {
        "account": "+375291234567",
        "holder": "I. P.",
        "has_amount_due": True,
        "amount_due": "10.00 BYN",
    },
    "get_requisites": {"iban": "BY13NBRB3600900000002Z00AB00", "document_url": "https://files.example/req.pdf"},
    "create_secure_link": {"url": "https://secure.example/pin?t=abc"},
    "get_history": {"lines": "24.11 −10.00 BYN MTS", "document_url": "https://files.example/h.pdf"},
    "send_otp": {"sent": True},
    "verify_otp": {"valid": True},
    "save_application": {"application_id": "app_1"},
    "tell_when_back": {"systems": "core"},
}
NEW_CUSTOMER = {"customer_id": None}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _words(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


class BotDoes(_Model):
    """What the bot should do in answer to one turn."""

    says: str | list[str] = []
    asks: str | None = None
    buttons: list[str] = []
    not_says: str | list[str] = []
    starts: str | None = Field(default=None, description="a journey")
    calls: str | None = Field(default=None, description="a bank operation")


class CustomerDoes(_Model):
    """One turn: exactly one of opens / says / presses, and what the bot should do."""

    opens: Literal["chat"] | None = None
    says: str | None = None
    presses: str | None = None
    bot: BotDoes = BotDoes()

    @model_validator(mode="after")
    def _one_action(self) -> CustomerDoes:
        if sum(x is not None for x in (self.opens, self.says, self.presses)) != 1:
            raise ValueError("a turn is one of `opens: chat`, `says: <words>` or `presses: <button>`")
        return self

    def __str__(self) -> str:
        if self.opens:
            return "opens the chat"
        return f"says {self.says!r}" if self.says is not None else f"presses {self.presses}"


class Conversation(_Model):
    conversation: str = Field(min_length=1, description="what it shows, in a sentence")
    messenger: Literal["telegram", "viber", "whatsapp", "messenger"] = "telegram"
    language: Literal["ru", "be", "en"] = "ru"
    customer: Literal["known", "new"] = "known"
    bank: dict[str, dict[str, Any]] = {}
    refuses: dict[str, str] = {}
    down: list[Literal["core", "passport", "cerberus", "billing"]] = []
    turns: list[CustomerDoes] = Field(min_length=1)


@dataclass(frozen=True)
class Failure:
    """A conversation that did not go as written (or a file that is not a conversation test)."""

    file: str
    conversation: str
    turn: int  # 1-based; 0: the file or the conversation itself
    action: str
    problem: str

    def __str__(self) -> str:
        if self.turn == 0:
            return f"{self.file}: «{self.conversation}»: {self.problem}"
        return f"{self.file}: «{self.conversation}», turn {self.turn} (the customer {self.action}): {self.problem}"


@dataclass
class _Understanding:
    text: str
    intent: str | None
    confidence: float
    entities: tuple[Any, ...]
    language: str
    out_of_scope: bool = False


@dataclass
class FakeBank:
    """The engine's dependencies, in-process: canned operation answers, journeys and waits recorded."""

    answers: dict[str, dict[str, Any]]
    refusals: dict[str, str] = field(default_factory=dict)
    outages: dict[str, bool] = field(default_factory=dict)
    operations: list[str] = field(default_factory=list)
    journeys: list[str] = field(default_factory=list)

    def call_operation(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.operations.append(name)
        contract = operation(name)  # UndeclaredOperation, as the conversation Lambda raises for no such function
        try:
            contract.parse(payload)
        except ValidationError as refused:  # the deployed function would refuse it the same way
            raise OperationFailed(contract.refused("ValidationError", str(refused))) from None
        if name in self.refusals:
            raise OperationFailed(contract.refused(self.refusals[name]))
        return dict(self.answers.get(name, {}))

    def start_journey(self, name: str, execution_name: str, payload: dict[str, Any]) -> str:
        self.journeys.append(name)
        return f"arn:aws:states:eu-central-1:123456789012:execution:{name}:{execution_name}"

    def complete_wait(self, token_ref: str, outcome: dict[str, Any]) -> None:
        return None

    def understand(self, text: str) -> Any:
        from messenger_bank.conversation.nlu import understand

        return understand(text)

    def bank_outages(self) -> dict[str, bool]:
        return dict(self.outages)

    def tokenise_card(self, pan: str) -> tuple[str, str]:
        return f"tok_{pan[-4:]}abcdefgh", f"•• {pan[-4:]}"


def _pattern(template: str) -> re.Pattern[str]:
    """A catalogue text as a pattern: its `{placeholders}` match any value."""
    parts = re.split(r"\{[a-zA-Z_][a-zA-Z0-9_]*(?:![rsa])?(?::[^{}]*)?\}", template)
    return re.compile(".*?".join(re.escape(part) for part in parts), re.DOTALL)


def _quote(text: str, limit: int = 160) -> str:
    one_line = " ".join(text.split())
    return f"«{one_line[:limit]}{'…' if len(one_line) > limit else ''}»"


class _Player:
    def __init__(self, conversation: Conversation, flows: FlowSet, messages: dict[str, dict[str, str]]) -> None:
        self.conversation = conversation
        self.flows = flows
        self.messages = messages
        answers = {**BANK, **({"find_customer": NEW_CUSTOMER} if conversation.customer == "new" else {})}
        self.bank = FakeBank(
            answers={**answers, **conversation.bank},
            refusals=dict(conversation.refuses),
            outages={system: True for system in conversation.down},
        )
        self.chat = ChatRef(channel=conversation.messenger, chat_id="1001")
        self.session: Session | None = None
        self.now = START
        self.turn: Turn | None = None

    @property
    def language(self) -> str:
        return self.session.language if self.session else self.conversation.language

    def text_of(self, key_or_words: str) -> str:
        """A catalogue key's text in the chat's language (placeholders kept), or the words themselves."""
        own = self.messages.get(self.language, {})
        return own.get(key_or_words) or self.messages.get("en", {}).get(key_or_words) or key_or_words

    def is_key(self, key_or_words: str) -> bool:
        return key_or_words in self.messages.get("en", {}) or key_or_words in self.messages.get(self.language, {})

    def shown(self, key_or_words: str) -> str:
        if self.is_key(key_or_words):
            return f"{key_or_words} {_quote(self.text_of(key_or_words), 80)}"
        return _quote(key_or_words)

    def play(self, number: int, does: CustomerDoes) -> Iterator[str]:
        """Play one turn; yields what differed from what the test says."""
        fields: dict[str, Any] = {}
        kind = "start" if does.opens else "text"
        if does.says is not None:
            fields["text"] = does.says
        if does.presses is not None:
            payload, labels = self.button(does.presses)
            if payload is None:
                yield f"there is no button {self.shown(does.presses)} to press; the buttons were {labels}"
                return
            kind, fields = "button", {"button": payload}
        self.now += timedelta(seconds=5)
        event = InboundEvent(
            chat=self.chat,
            update_id=str(number),
            kind=kind,
            user_id="1001",
            language_hint=self.conversation.language,
            message_id=f"m{number}",
            sent_at=self.now,
            **fields,
        )
        operations, journeys = len(self.bank.operations), len(self.bank.journeys)
        self.turn = take_turn(event, self.session, self.bank, now=self.now, flows=self.flows)
        self.session = self.turn.session.model_copy(update={"version": self.turn.session.version + 1})
        said = "\n".join(m.text for m in self.turn.replies)
        expected = does.bot
        for item in (*_words(expected.says), *([expected.asks] if expected.asks else [])):
            if not _pattern(self.text_of(item)).search(said):
                yield f"the bot should say {self.shown(item)} but said {_quote(said) if said else 'nothing'}"
        for item in _words(expected.not_says):
            if _pattern(self.text_of(item)).search(said):
                yield f"the bot should not say {self.shown(item)} but did"
        if expected.asks and not self.waiting():
            yield f"the bot should wait for an answer to {expected.asks} but went on to {self.position()}"
        labels = [b.label for m in self.turn.replies for row in m.buttons for b in row]
        for item in expected.buttons:
            if self.text_of(item) not in labels:
                yield f"the bot should show the button {self.shown(item)}; it showed {labels}"
        started = self.bank.journeys[journeys:]
        if expected.starts and expected.starts not in started:
            yield f"the bot should start the journey {expected.starts}; it started {started or 'none'}"
        called = self.bank.operations[operations:]
        if expected.calls and expected.calls not in called:
            yield f"the bot should call {expected.calls}; it called {called or 'no operation'}"

    def button(self, key_or_words: str) -> tuple[str | None, list[str]]:
        labels: list[str] = []
        wanted = self.text_of(key_or_words)
        replies = self.turn.replies if self.turn else []
        for message in reversed(replies):
            for row in message.buttons:
                for button in row:
                    labels.append(button.label)
                    if button.payload and (button.label == wanted or wanted.casefold() in button.label.casefold()):
                        return button.payload, labels
        return None, labels

    def waiting(self) -> bool:
        if self.session is None or self.session.flow is None or self.session.step is None:
            return False
        flow = self.flows.flows.get(self.session.flow)
        step = flow.step(self.session.step) if flow else None
        return isinstance(step, AskStep | ChooseStep | WaitStep)

    def position(self) -> str:
        if self.session is None or self.session.flow is None:
            return "the menu"
        return f"{self.session.flow}:{self.session.step}"


def play(conversation: Conversation, flows: FlowSet, messages: dict[str, dict[str, str]], file: str) -> list[Failure]:
    """Play a conversation against flows and a catalogue (installed for the run); its first failing turn."""
    player = _Player(conversation, flows, messages)
    before = catalogue_module._installed
    catalogue_module.install(messages)
    try:
        for number, does in enumerate(conversation.turns, start=1):
            try:
                problems = list(player.play(number, does))
            except Exception as error:  # a flow that breaks the engine: the publish is refused, with why
                problems = [f"the turn failed: {type(error).__name__}: {error}"]
            if problems:
                return [Failure(file, conversation.conversation, number, str(does), p) for p in problems]
        return []
    finally:
        catalogue_module.install(before)


def read_conversations(path: Path) -> tuple[list[Conversation], list[Failure]]:
    """The conversations of one file, or why the file is not a conversation test."""
    shown = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        return [], [Failure(shown, "(the file)", 0, "", f"not valid YAML: {error}")]
    if not isinstance(raw, list):
        return [], [Failure(shown, "(the file)", 0, "", "a conversation test file is a list of conversations")]
    conversations: list[Conversation] = []
    failures: list[Failure] = []
    for index, item in enumerate(raw, start=1):
        name = str(item.get("conversation", f"conversation {index}")) if isinstance(item, dict) else f"#{index}"
        try:
            conversations.append(Conversation.model_validate(item))
        except ValidationError as error:
            for e in error.errors():
                where = ".".join(str(p) for p in e["loc"])
                failures.append(Failure(shown, name, 0, "", f"not a conversation test: {where}: {e['msg']}"))
    return conversations, failures


def play_folder(folder: Path, flows: FlowSet, messages: dict[str, dict[str, str]]) -> tuple[int, list[Failure]]:
    """Every conversation of every `*.yaml` in `folder`: (how many were played, what failed)."""
    played, failures = 0, []
    for path in sorted(folder.glob("*.yaml")):
        conversations, unreadable = read_conversations(path)
        failures.extend(unreadable)
        for conversation in conversations:
            played += 1
            failures.extend(play(conversation, flows, messages, path.name))
    return played, failures


@dataclass(frozen=True)
class Verdict:
    """What the checks of a bundle found: lint problems and failed conversations (none: it may be published)."""

    lint: tuple[str, ...]
    failures: tuple[Failure, ...]
    conversations: int

    @property
    def passed(self) -> bool:
        return not self.lint and not self.failures

    def report(self) -> str:
        if self.passed:
            return f"the flows pass the linter and all {self.conversations} conversations"
        lines = [f"refused: {len(self.lint)} flow problem(s), {len(self.failures)} failed conversation(s)"]
        lines += [f"  lint: {problem}" for problem in self.lint]
        lines += [f"  conversation: {failure}" for failure in self.failures]
        return "\n".join(lines)


def check_bundle(bundle: Bundle) -> Verdict:
    """Lint the bundle's flows with its catalogue, then play its conversations (if the flows load)."""
    with tempfile.TemporaryDirectory(prefix="flows-check-") as scratch:
        root = unpack(bundle, Path(scratch))
        messages = catalogue_module.load_catalogue(root / "catalogue")
        prefix = f"{root}/"
        lint = tuple(str(p).replace(prefix, "") for p in lint_flows(root / "flows", messages=messages))
        try:
            flows = load_flows(root / "flows")
        except FlowFileError:
            return Verdict(lint=lint, failures=(), conversations=0)
        if not bundle.conversations:
            missing = Failure("conversations/", "(the suite)", 0, "", "a bundle without conversation tests is refused")
            return Verdict(lint=lint, failures=(missing,), conversations=0)
        played, failures = play_folder(root / "conversations", flows, messages)
        return Verdict(lint=lint, failures=tuple(failures), conversations=played)
