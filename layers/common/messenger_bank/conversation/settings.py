"""The conversation Lambda's environment: ``INBOUND_MAX_RECEIVES`` (3), how many times SQS hands over an
inbound message before its dead-letter queue takes it (the template's maxReceiveCount)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from messenger_bank.configuration import read_once


class ConversationSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True)

    inbound_max_receives: int = Field(default=3, ge=1)


conversation_settings = read_once(ConversationSettings)
