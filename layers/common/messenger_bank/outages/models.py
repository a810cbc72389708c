"""What the outage operations take and answer (their declarations in messenger_bank/operations.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.types import Language

# The bank systems a breaker guards (banking/breaker.py GUARDED_SYSTEMS) and the conversation names.
BankSystem = Literal["core", "passport", "cerberus", "billing"]


class TellWhenBackRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    chat_key: str = Field(min_length=3, max_length=160)
    systems: list[BankSystem] = Field(min_length=1, max_length=4)
    language: Language = "ru"


class WillTell(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    systems: list[BankSystem]


class SystemChecked(BaseModel):
    """One system as the scheduled check found it: down (its breaker still open) or not, and how many
    chats were told it is back."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    system: BankSystem
    down: bool
    told: int = 0
