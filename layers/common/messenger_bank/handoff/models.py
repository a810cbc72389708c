"""A chat handed to a person: its record, the turns the operator reads, and what the inbox answers.

    waiting ──take──▶ with_operator ──hand back──▶ back_with_bot
       └──────────────hand back─────────────────────▲

A record is keyed by ``handoff_id``, the chat key's digest spelled in letters (an inbox URL never carries a
messenger's user id, and a letters-only id never reads as a card number).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.ids import in_letters
from messenger_bank.types import Channel, Language

HandoffState = Literal["waiting", "with_operator", "back_with_bot"]
OPEN_STATES: tuple[HandoffState, ...] = ("waiting", "with_operator")
# Why the chat came to a person: the customer asked, the bot missed twice in a row, a refusal disputed.
HandoffReason = Literal["asked", "not_understood", "disputed"]
Speaker = Literal["customer", "bot", "operator"]
TEXT_LIMIT = 1000  # a turn's text as kept for the operator
ANSWER_LIMIT = 4000  # an operator's answer (every messenger takes this much in one message)


def handoff_id(chat_key: str) -> str:
    return in_letters(hashlib.sha256(chat_key.encode()).hexdigest()[:32])


class ChatTurn(BaseModel):
    """One turn as the operator reads it: its text already redacted (card, passport and personal numbers,
    codes) before it was kept."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    at: datetime
    by: Speaker
    text: str = Field(max_length=TEXT_LIMIT + 20)
    operator: str | None = None


class Handoff(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    handoff_id: str
    chat_key: str
    channel: Channel
    chat_id: str
    language: Language
    customer_id: str | None = None
    state: HandoffState
    reason: HandoffReason
    since: datetime  # waiting since
    taken_by: str | None = None
    taken_at: datetime | None = None
    handed_back_by: str | None = None
    handed_back_at: datetime | None = None
    refusal: str | None = None  # the disputed refusal's code (a domain error's name), when disputed
    turns: tuple[ChatTurn, ...] = ()

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES


class InboxChat(BaseModel):
    """A waiting or taken chat as the operators' inbox lists it: no messenger id, the turns redacted."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    handoff_id: str
    channel: Channel
    language: Language
    customer_id: str | None
    state: HandoffState
    reason: HandoffReason
    refusal: str | None
    since: datetime
    waiting_seconds: int
    taken_by: str | None
    turns: list[ChatTurn]


class Inbox(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    chats: list[InboxChat]


class OperatorAnswer(BaseModel):
    """What an operator sends the customer."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    text: str = Field(min_length=1, max_length=ANSWER_LIMIT)


class QueueChecked(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    waiting: int
    with_operator: int
    oldest_wait_seconds: int
