"""Channels: one adapter per messenger behind one interface (inbound parsing, outbound messages).

adapter = adapter_for("viber")
adapter.verify(headers, raw_body, settings().webhook_secrets())   # SignatureInvalid → 401/403
events = adapter.parse(raw_body)                                  # MalformedUpdate → 400; [] → 200
message_api().send(event.chat, OutboundMessage(text="…", buttons=((Button(label="OK", payload="ok"),),)))
"""

from __future__ import annotations

from functools import lru_cache

from messenger_bank.channels.base import (
    Capabilities,
    ChannelAdapter,
    PlatformReply,
    PlatformRequest,
    WebhookSecrets,
)
from messenger_bank.channels.client import MessageAPI, RecipientUnavailable, SendResult, build_adapters
from messenger_bank.channels.errors import (
    ChannelError,
    MalformedUpdate,
    PlatformError,
    PlatformUnavailable,
    SignatureInvalid,
)
from messenger_bank.channels.settings import ChannelSettings, settings
from messenger_bank.types import Channel

__all__ = [
    "Capabilities",
    "ChannelAdapter",
    "ChannelError",
    "ChannelSettings",
    "MalformedUpdate",
    "MessageAPI",
    "PlatformError",
    "PlatformReply",
    "PlatformRequest",
    "PlatformUnavailable",
    "RecipientUnavailable",
    "SendResult",
    "SignatureInvalid",
    "WebhookSecrets",
    "adapter_for",
    "message_api",
    "settings",
]


@lru_cache(maxsize=1)
def _adapters() -> dict[Channel, ChannelAdapter]:
    return build_adapters(settings())


def adapter_for(channel: Channel) -> ChannelAdapter:
    """The adapter of one messenger (pure: no I/O), configured from this cold start's settings."""
    return _adapters()[channel]


@lru_cache(maxsize=1)
def message_api() -> MessageAPI:
    """The MessageAPI of this cold start (its HTTP client is created on the first send)."""
    return MessageAPI(settings())
