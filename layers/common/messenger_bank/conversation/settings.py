"""The conversation Lambda's environment, read once per cold start.

``INBOUND_MAX_RECEIVES`` (3): how many times SQS hands over an inbound message before its dead-letter
queue takes it (the template's maxReceiveCount). ``TURN_TIME_RESERVE_MS`` (4000): a batch's next turn starts
only with this much of the function's time left (turns.py). ``OPERATIONS_PREFIX``: the operation Lambdas' name prefix
(``<prefix><operation>``). ``SESSIONS_TABLE`` (``sessions``) and ``SESSION_IDLE_MINUTES`` (30): where a
chat's session is kept and how long it lives without a message.
"""

from __future__ import annotations

from typing import ClassVar, Final

from pydantic import AliasChoices, Field

from messenger_bank.configuration import EnvironmentSettings, read_once

DEFAULT_IDLE_MINUTES: Final = 30


class ConversationSettings(EnvironmentSettings):
    inbound_max_receives: int = Field(default=3, ge=1)
    turn_time_reserve_ms: int = Field(default=4000, ge=0)
    operations_prefix: str | None = None

    def operations(self) -> str:
        if self.operations_prefix is None:
            raise RuntimeError("OPERATIONS_PREFIX is not set for this function")
        return self.operations_prefix


class SessionSettings(EnvironmentSettings):
    empty_is_unset: ClassVar[bool] = True

    table_name: str = Field(default="sessions", validation_alias=AliasChoices("table_name", "SESSIONS_TABLE"))
    idle_minutes: int = Field(
        default=DEFAULT_IDLE_MINUTES,
        ge=1,
        le=24 * 60,
        validation_alias=AliasChoices("idle_minutes", "SESSION_IDLE_MINUTES"),
    )


conversation_settings = read_once(ConversationSettings)
session_settings = read_once(SessionSettings)
