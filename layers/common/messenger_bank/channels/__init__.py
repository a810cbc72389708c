"""Channels: one adapter per messenger behind one interface (inbound parsing, outbound messages).

adapter = adapter_for("viber")
adapter.verify(headers, raw_body, settings().webhook_secrets())   # SignatureInvalid → 401/403
events = adapter.parse(raw_body)                                  # MalformedUpdate → 400; [] → 200
message_api().send(event.chat, OutboundMessage(text="…", buttons=((Button(label="OK", payload="ok"),),)))
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING

from messenger_bank.channels.base import (
    Capabilities,
    ChannelAdapter,
    PlatformReply,
    PlatformRequest,
    WebhookSecrets,
)
from messenger_bank.channels.errors import (
    ChannelError,
    MalformedUpdate,
    PlatformError,
    PlatformUnavailable,
    SignatureInvalid,
)
from messenger_bank.channels.settings import ChannelSettings, settings
from messenger_bank.types import Channel

if TYPE_CHECKING:  # the sending side (channels/client.py) loads where a message is sent, not in a webhook
    from messenger_bank.channels.client import MessageAPI

__all__ = [
    "Capabilities",
    "ChannelAdapter",
    "ChannelError",
    "ChannelSettings",
    "MalformedUpdate",
    "PlatformError",
    "PlatformReply",
    "PlatformRequest",
    "PlatformUnavailable",
    "SignatureInvalid",
    "WebhookSecrets",
    "adapter_class",
    "adapter_for",
    "message_api",
    "settings",
]


def adapter_class(channel: Channel) -> type[ChannelAdapter]:
    """A messenger's adapter class, only its own module imported: a webhook function serves one messenger, a sending
    function's container often writes to one or two, and the four adapters' pydantic models were about a third of a
    webhook's init and ~25 ms of a sending function's."""
    if channel == "telegram":
        from messenger_bank.channels.telegram import TelegramAdapter

        return TelegramAdapter
    if channel == "viber":
        from messenger_bank.channels.viber import ViberAdapter

        return ViberAdapter
    if channel == "whatsapp":
        from messenger_bank.channels.whatsapp import WhatsAppAdapter

        return WhatsAppAdapter
    from messenger_bank.channels.messenger import MessengerAdapter

    return MessengerAdapter


@cache
def adapter_for(channel: Channel, *, viber_sender_name: str | None = None) -> ChannelAdapter:
    """The adapter of one messenger (pure: no I/O, so one serves the process), configured from this cold start's
    settings; Viber's sender name as given, else read where a welcome names it (the channels' settings read every
    platform secret this function may see, SSM, and a webhook's other invocations need none of them)."""
    if channel == "viber":
        from messenger_bank.channels.viber import ViberAdapter

        return ViberAdapter(sender_name=viber_sender_name or (lambda: settings().viber_sender_name))
    return adapter_class(channel)()


@lru_cache(maxsize=1)
def message_api() -> MessageAPI:
    """The MessageAPI of this cold start (its HTTP client is created on the first send)."""
    from messenger_bank.channels.client import MessageAPI

    return MessageAPI(settings())
