"""The webhooks' environment: ``INBOUND_QUEUE_URL`` (the FIFO queue the conversation reads) and
``IDEMPOTENCY_TABLE`` (where each platform update id is remembered)."""

from __future__ import annotations

from messenger_bank.configuration import EnvironmentSettings, read_once


class WebhookSettings(EnvironmentSettings):
    inbound_queue_url: str
    idempotency_table: str


webhook_settings = read_once(WebhookSettings)
