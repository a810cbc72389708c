"""The webhooks' environment: ``INBOUND_QUEUE_URL`` (the FIFO queue the conversation reads) and
``IDEMPOTENCY_TABLE`` (where each platform update id is remembered)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from messenger_bank.configuration import read_once


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True)

    inbound_queue_url: str
    idempotency_table: str


webhook_settings = read_once(WebhookSettings)
