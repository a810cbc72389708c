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
something for the current session and turn, at the step that showed it: a key of an earlier turn, or of
a step the chat has left, is answered "this button is from a finished step" and changes nothing; a
forged one is refused. A press of an option of a journey's wait that the journey no longer holds (it
timed out or ended) says the same and goes to the menu. On Telegram the pressed message's buttons are
then taken off it (`DropButtons`), unless the button was a flow's entry or the menu, which stay valid.
A `<ref>` (letters, digits, `.`, `_`, `-`; at most 48) is put in the new flow's `data.ref`: a button a
journey or another customer's operation sends (e.g. Pay / Decline on a money request) names the thing it
is about; the flow's operations check that it belongs to the customer.

The engine in parts: `boundary` (the dependencies, the result, the names the flows must
have), `state` (the typed flow data and button actions a session keeps), `context`
(one turn's working state), `routing` (what an inbound event is, and who handles it),
`navigation` (commands, Back, intents), `answers` (input at a waiting step),
`executors` (one executor per step kind) and `replies` (messages and buttons).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, Field

from messenger_bank.channels.models import InboundEvent
from messenger_bank.configuration import EnvironmentSettings, read_once
from messenger_bank.conversation.engine.boundary import (
    ENGINE_KEYS,
    ENGINE_STEPS,
    FIND_CUSTOMER,
    HELP_FLOW,
    MENU_EXPIRED,
    MENU_FLOW,
    MENU_GREETING,
    MENU_LANGUAGE,
    MENU_MAIN,
    MENU_NO_CUSTOMER,
    MENU_NOT_UNDERSTOOD,
    OUTAGE_KEY,
    REAUTHENTICATE,
    SESSION_REFUSED,
    SIGN_IN_FLOW,
    SIGN_IN_REAUTH,
    WAIT_GONE,
    DeleteMessage,
    DropButtons,
    Effect,
    EntityLike,
    ForgetChat,
    HandOver,
    OperationFailed,
    PrepareJourney,
    Turn,
    TurnDependencies,
    UnderstandingLike,
)
from messenger_bank.conversation.engine.context import TurnContext
from messenger_bank.conversation.engine.routing import COMMANDS_FILE, command_words, play
from messenger_bank.conversation.engine.state import PERSISTENT_KEYS, FlowData
from messenger_bank.conversation.flows import FlowSet, default_flows
from messenger_bank.conversation.sessions import Session
from messenger_bank.conversation.settings import DEFAULT_IDLE_MINUTES
from messenger_bank.types import Language

__all__ = [
    "COMMANDS_FILE",
    "ENGINE_KEYS",
    "ENGINE_STEPS",
    "FIND_CUSTOMER",
    "HELP_FLOW",
    "MENU_EXPIRED",
    "MENU_FLOW",
    "MENU_GREETING",
    "MENU_LANGUAGE",
    "MENU_MAIN",
    "MENU_NOT_UNDERSTOOD",
    "MENU_NO_CUSTOMER",
    "OUTAGE_KEY",
    "PERSISTENT_KEYS",
    "REAUTHENTICATE",
    "SESSION_REFUSED",
    "SIGN_IN_FLOW",
    "SIGN_IN_REAUTH",
    "WAIT_GONE",
    "DeleteMessage",
    "DropButtons",
    "Effect",
    "EngineSettings",
    "EntityLike",
    "FlowData",
    "ForgetChat",
    "HandOver",
    "OperationFailed",
    "PrepareJourney",
    "Turn",
    "TurnDependencies",
    "UnderstandingLike",
    "command_words",
    "default_settings",
    "take_turn",
]


class EngineSettings(EnvironmentSettings):
    """``NLU_THRESHOLD`` and ``SESSION_IDLE_MINUTES`` from the environment, once per cold start."""

    nlu_threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    idle_minutes: int = Field(
        default=DEFAULT_IDLE_MINUTES, ge=1, validation_alias=AliasChoices("idle_minutes", "SESSION_IDLE_MINUTES")
    )
    default_language: Language = "ru"
    max_steps_per_turn: int = 50


default_settings = read_once(EngineSettings)


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
    turn = TurnContext(event, session, deps, now, flows or default_flows(), settings or default_settings())
    play(turn)
    return turn.result()
