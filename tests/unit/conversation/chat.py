"""A scripted chat for engine tests: a fake TurnDependencies that records calls, and a Chat driver.

The fake operations refuse like the deployed functions: a name that is not declared (so not deployed)
raises UndeclaredOperation, a payload its request model refuses fails as the function would
(ValidationError), and a canned error comes back typed by the operation's declaration.

The fake NLU has the shape of `messenger_bank.conversation.nlu.Understanding` and knows only the
utterances a test teaches it (`nlu.teach("перевод", "transfer")`), so engine tests do not depend on
the real classifier's quality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from messenger_bank.channels.models import ChatRef, InboundEvent, OutboundMessage
from messenger_bank.conversation.catalogue import text
from messenger_bank.conversation.checks import BANK
from messenger_bank.conversation.engine import OperationFailed, Turn, take_turn
from messenger_bank.conversation.flows import FlowSet, default_flows
from messenger_bank.conversation.sessions import Session
from messenger_bank.errors import DomainError
from messenger_bank.operations import operation

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PAN = "4111111111111111"


@dataclass(frozen=True)
class FakeEntity:
    type: str
    value: str


@dataclass(frozen=True)
class FakeUnderstanding:
    text: str
    intent: str | None
    confidence: float
    entities: tuple[FakeEntity, ...]
    language: str
    out_of_scope: bool = False


@dataclass
class FakeNlu:
    taught: dict[str, tuple[str | None, float, tuple[FakeEntity, ...], str]] = field(default_factory=dict)
    # Texts taught as something the bank does not do (intent None, out_of_scope True).
    out_of_scope: set[str] = field(default_factory=set)
    default_language: str = "ru"

    def teach(
        self, text: str, intent: str | None, *, confidence: float = 0.95, language: str | None = None, **entities: str
    ) -> None:
        found = tuple(FakeEntity(k, v) for k, v in entities.items())
        self.taught[text.casefold()] = (intent, confidence, found, language or self.default_language)

    def teach_out_of_scope(self, text: str, *, language: str | None = None) -> None:
        self.taught[text.casefold()] = (None, 0.9, (), language or self.default_language)
        self.out_of_scope.add(text.casefold())

    def __call__(self, text: str) -> FakeUnderstanding:
        intent, confidence, entities, language = self.taught.get(
            text.casefold(), (None, 0.1, (), self.default_language)
        )
        return FakeUnderstanding(text, intent, confidence, entities, language, text.casefold() in self.out_of_scope)


@dataclass
class FakeDeps:
    """Records every call; operation results come from `results` (a dict, a callable or an error)."""

    results: dict[str, Any] = field(default_factory=dict)
    nlu: FakeNlu = field(default_factory=FakeNlu)
    operations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    journeys: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    completed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tokenised: list[str] = field(default_factory=list)
    # Waits the journeys no longer hold (timed out, ended); a completed one is gone too, as in the wait store.
    gone_waits: set[str] = field(default_factory=set)
    # Bank systems not answering: system → its breaker open (True) or only failing lately (False).
    outages: dict[str, bool] = field(default_factory=dict)

    def call_operation(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.operations.append((name, payload))
        contract = operation(name)  # UndeclaredOperation, as the conversation Lambda raises
        try:
            contract.parse(payload)
        except ValidationError as refused:
            raise OperationFailed(contract.refused("ValidationError", str(refused))) from None
        result = self.results.get(name, {})
        if isinstance(result, OperationFailed):
            raise OperationFailed(contract.refused(result.code))
        if isinstance(result, DomainError):
            raise OperationFailed(contract.refused(type(result).__name__, str(result)))
        if isinstance(result, Exception):
            raise result
        if callable(result):
            return dict(result(payload))
        return dict(result)

    def start_journey(self, name: str, execution_name: str, payload: dict[str, Any]) -> str:
        self.journeys.append((name, execution_name, payload))
        return f"arn:aws:states:eu-central-1:123456789012:execution:{name}:{execution_name}"

    def complete_wait(self, token_ref: str, outcome: dict[str, Any]) -> None:
        if token_ref in self.gone_waits or any(ref == token_ref for ref, _ in self.completed):
            raise OperationFailed("WaitNotFound")  # as LambdaTurnDependencies.complete_wait does
        self.completed.append((token_ref, outcome))

    def understand(self, text: str) -> FakeUnderstanding:
        return self.nlu(text)

    def bank_outages(self) -> dict[str, bool]:
        return dict(self.outages)

    def tokenise_card(self, pan: str) -> tuple[str, str]:
        self.tokenised.append(pan)
        return f"tok_{pan[-4:]}abcdefgh", f"•• {pan[-4:]}"

    def operation_names(self) -> list[str]:
        return [name for name, _ in self.operations]


# The shipped conversation tests' fake bank (conversation/checks.py), and what only these cases call.
CUSTOMER_RESULTS: dict[str, Any] = {
    **BANK,
    "save_delivery_address": {"address_id": "addr_1"},
    "request_money": {"request_id": "r1"},
    "get_referral": {
        "code": "ABC123",
        "link": "https://t.me/bank_bot?start=ABC123",
        "invited": 2,
        "bonus": "5 BYN",
        "invited_this_month": 1,
        "monthly_cap": 5,
    },
    "get_recommendations": {"link": "https://t.me/bank_bot", "count": 3, "next_milestone": 5, "bonus": "10 BYN"},
    "list_offers": {
        "items": [{"offer_id": "o1", "title": "Burger King 10%"}, {"offer_id": "o2", "title": "Twitch"}],
        "picture_url": "https://media.example/offers/0123456789abcdef0123456789abcdef.png",
    },
    "activate_offer": {"title": "Burger King 10%", "cashback": "10 %"},
    "get_cashback": {"amount": "3.20 BYN", "categories": "Fast food 10 %"},
    "list_cashback_categories": {
        "month": "01.2027",
        "pick": 2,
        "chosen": "cinema",
        "items": [
            {"category": "pharmacy", "title": "Pharmacies 5 %"},
            {"category": "cinema", "title": "✅ Cinema 10 %"},
        ],
    },
    "choose_cashback_category": {"month": "01.2027", "pick": 2, "chosen": "cinema, pharmacies", "replaced": None},
    "send_otp": {"sent": True},
    "verify_otp": {"valid": True},
    "save_application": {"application_id": "app_1"},
}


class Chat:
    """Drives take_turn like the conversation Lambda would, keeping the session between turns."""

    def __init__(
        self,
        deps: FakeDeps | None = None,
        *,
        channel: str = "telegram",
        language_hint: str | None = "ru",
        flows: FlowSet | None = None,
        now: datetime = NOW,
        chat_id: str = "1001",
    ) -> None:
        self.deps = deps or FakeDeps()
        self.chat = ChatRef(channel=channel, chat_id=chat_id)  # type: ignore[arg-type]
        self.language_hint = language_hint
        self.flows = flows or default_flows()
        self.session: Session | None = None
        self.now = now
        self.turns: list[Turn] = []
        self._update = 0

    # ---- what the customer does
    def send(self, kind: str = "text", **fields: Any) -> Turn:
        self._update += 1
        self.now += timedelta(seconds=5)
        event = InboundEvent(
            chat=self.chat,
            update_id=str(self._update),
            kind=kind,  # type: ignore[arg-type]
            user_id="1001",
            language_hint=self.language_hint,
            message_id=f"m{self._update}",
            sent_at=self.now,
            **fields,
        )
        turn = take_turn(event, self.session, self.deps, now=self.now, flows=self.flows)
        # the repository would bump the version on a successful conditional write
        self.session = turn.session.model_copy(update={"version": turn.session.version + 1})
        self.turns.append(turn)
        return turn

    def start(self, **fields: Any) -> Turn:
        return self.send("start", **fields)

    def say(self, text: str) -> Turn:
        return self.send("text", text=text)

    def press(self, label_part: str) -> Turn:
        """Press the button of the last reply whose label contains `label_part` (case-insensitive)."""
        return self.send("button", button=self.payload(label_part))

    def press_key(self, key: str) -> Turn:
        """Press the button labelled with catalogue `key` in the session's language."""
        assert self.session is not None
        label = text(key, self.session.language)
        for message in reversed(self.last.replies):
            for row in message.buttons:
                for button in row:
                    if button.label == label and button.payload:
                        return self.send("button", button=button.payload)
        raise AssertionError(f"no button {label!r} in {self.labels()}")

    def said(self, key: str, **values: Any) -> bool:
        """True when the last turn said the catalogue text `key` in the session's language."""
        assert self.session is not None
        return text(key, self.session.language, **values) in self.text

    def payload(self, label_part: str) -> str:
        for message in reversed(self.last.replies):
            for row in message.buttons:
                for button in row:
                    if label_part.casefold() in button.label.casefold() and button.payload:
                        return button.payload
        raise AssertionError(f"no button {label_part!r} in {self.labels()}")

    # ---- what the bot did
    @property
    def last(self) -> Turn:
        return self.turns[-1]

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.last.replies)

    def labels(self) -> list[str]:
        return [b.label for m in self.last.replies for row in m.buttons for b in row]

    @property
    def position(self) -> tuple[str | None, str | None]:
        assert self.session is not None
        return self.session.flow, self.session.step

    def everything_said(self) -> str:
        return "\n".join(m.text for t in self.turns for m in t.replies)

    def all_messages(self) -> list[OutboundMessage]:
        return [m for t in self.turns for m in t.replies]


def customer_deps(**overrides: Any) -> FakeDeps:
    return FakeDeps(results={**CUSTOMER_RESULTS, **overrides})


def refused(code: str) -> OperationFailed:
    return OperationFailed(code)


FLOWS_DIR = Path(default_flows().directory)
