"""The engine's boundary: what a turn asks of the world, what it gives back, and the flow steps and
catalogue keys it relies on (the flow linter and the catalogue tests check they exist).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from messenger_bank.channels.models import ChatRef, OutboundMessage
from messenger_bank.conversation.sessions import Session
from messenger_bank.operations import OperationFailed as OperationFailed  # typed refusal, with the contracts

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
# What `complete_wait` raises when the journey no longer waits there (it went on, timed out or ended).
WAIT_GONE = "WaitNotFound"
# A bank system is down (banking/breaker.py): the outage flow (flows/outage.yaml) says so, names the systems
# (`$data.outage.names`), offers "tell me when it's back"; a flow that `needs` a system whose breaker is open
# is not entered at all, so no money journey starts that could not finish.
BANK_DOWN = "BankSystemUnavailable"
OUTAGE_FLOW = "outage"
OUTAGE_DOWN = "down"
OUTAGE_KEY = "outage"
# A person when the bot cannot help (messenger_bank/handoff): the customer asks ("person" command, the NLU's
# `operator` intent), the bot misses twice in a row at the top level, or a refusal is disputed ("dispute":
# the button the engine puts under a disputable refusal, or the NLU's `dispute` intent).
MISSES_TO_PERSON = 2
DISPUTE_MINUTES = 30  # how long after a refusal "that's wrong" disputes it
# Refusals a person at the bank can look at again (the bank said no, a limit, funds, a blocked card); a wrong
# code, a mistyped account or an expired session is not disputed.
DISPUTABLE = frozenset(
    {
        "OperationRejected",
        "LimitExceeded",
        "InsufficientFunds",
        "CardBlocked",
        "CardLimitAboveMaximum",
        "RecommendationRefused",
    }
)
ENGINE_STEPS = (MENU_MAIN, MENU_GREETING, MENU_NOT_UNDERSTOOD, MENU_NO_CUSTOMER, MENU_EXPIRED, MENU_LANGUAGE)
# Catalogue keys the engine itself uses (the tests check they exist in every language).
ENGINE_KEYS = (
    "common.button_expired",
    "common.step_finished",
    "common.step_over",
    "common.cancelled",
    "common.error",
    "common.unsupported",
    "common.media",
    "common.sticker",
    "common.choose_please",
    "common.contact_not_own",
    "common.language_changed",
    "common.out_of_scope",
    "handoff.waiting",
    "handoff.not_understood",
    "handoff.dispute_offer",
    "handoff.dispute",
    "handoff.back",
    "session.expired",
    "session.signed_out",
    "error.card_not_here",
    "outage.system.bank",
    "outage.system.core",
    "outage.system.passport",
    "outage.system.cerberus",
    "outage.system.billing",
    "nav.back",
    "nav.cancel",
)


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
    @property
    def out_of_scope(self) -> bool:
        """True when the text asks for something the bank does not do (then `intent` is None)."""
        ...


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

    def bank_outages(self) -> dict[str, bool]:
        """The bank systems not answering now: system → True when its breaker is open (calls refused at
        once), False when it is still closed but has failed lately."""
        ...

    def tokenise_card(self, pan: str) -> tuple[str, str]:
        """(token, mask) for a card number; the number goes no further."""
        ...


@dataclass(frozen=True)
class DeleteMessage:
    """Delete the customer's message (it carried a card number) — after the session is saved."""

    chat: ChatRef
    message_id: str


@dataclass(frozen=True)
class DropButtons:
    """Take the buttons off the bot's message whose button was pressed: its step is over (Telegram edits
    them away; where a platform cannot, they stay and a press on them is answered as a finished step's)."""

    chat: ChatRef
    message_id: str


@dataclass(frozen=True)
class ForgetChat:
    """The chat's customer was forgotten (privacy/service.py forget_customer): the chat's session is deleted
    once the turn is saved, before its replies go, so nothing of the chat is left behind it."""

    chat: ChatRef


@dataclass(frozen=True)
class HandOver:
    """Put the chat in the operators' queue (messenger_bank/handoff) — after the session is saved. `said`: the
    customer's last words (redacted), for the operator; `refusal`: the disputed refusal's code."""

    chat: ChatRef
    reason: str
    said: tuple[str, ...] = ()
    refusal: str | None = None


@dataclass(frozen=True)
class PrepareJourney:
    """Wake the functions of a journey the flow just started will start (`prepares` in the flow file), so that
    their cold starts pass while the customer types - after the replies, never failing the turn."""

    journey: str


Effect = DeleteMessage | DropButtons | ForgetChat | HandOver | PrepareJourney


@dataclass(frozen=True)
class Turn:
    replies: tuple[OutboundMessage, ...]
    effects: tuple[Effect, ...]
    session: Session
