"""The hand-off's environment, read once per cold start.

``HANDOFFS_TABLE``: the hand-off records (one per chat; the conversation, the operators' inbox and the queue
check use it). ``HANDOFF_TURNS_KEPT``: how many of a chat's latest turns are kept and the operator sees
(default 30, at most 40).
``HANDOFF_KEPT_DAYS``: how long a record handed back to the bot is kept before its TTL (default 7).
"""

from __future__ import annotations

from pydantic import Field

from messenger_bank.configuration import EnvironmentSettings, read_once


class HandoffSettings(EnvironmentSettings):
    handoffs_table: str | None = None
    # Kept in the chat's one item: 40 turns of up to 1,020 characters are 170 KB even in emoji, under DynamoDB's
    # 400 KB and under the ~200 KB at which moto 5.2 already refuses a list it replaces (it counts it twice).
    handoff_turns_kept: int = Field(default=30, ge=1, le=40)
    handoff_kept_days: int = Field(default=7, ge=1, le=90)

    def table_name(self) -> str:
        if not self.handoffs_table:
            raise RuntimeError("HANDOFFS_TABLE is not set for this function")
        return self.handoffs_table


handoff_settings = read_once(HandoffSettings)
