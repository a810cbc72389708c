"""The one interface every messenger adapter implements, and the shapes it exchanges with the client.

An adapter is pure: it checks signatures, turns raw webhook bodies into InboundEvents and turns
OutboundMessages into PlatformRequests; it never does I/O. The MessageAPI (client.py) sends the
requests, fills in the secrets and asks the adapter what the platform's answer means.
"""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from messenger_bank.channels.errors import SignatureInvalid
from messenger_bank.channels.models import ChatRef, InboundEvent, OutboundMessage, OutsideWindow
from messenger_bank.types import Channel

Action = Literal["send", "edit", "delete", "typing", "answer"]


class PlatformRequest(BaseModel):
    """One HTTP call to a platform, without secrets.

    `path` is relative to the platform's base URL and may hold the placeholders ``{token}`` (Telegram
    bot token), ``{version}`` (Graph API version) and ``{phone_number_id}`` (WhatsApp sender), which the
    client fills in from settings; auth headers are added by the client too.
    """

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    method: Literal["GET", "POST", "DELETE"] = "POST"
    path: str = Field(pattern=r"^/")
    body: dict[str, Any]
    headers: dict[str, str] = Field(default_factory=dict)
    action: Action = "send"
    chat: ChatRef | None = None


class Capabilities(BaseModel):
    """What a platform can do with bot messages, and the limits the adapter applies."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    can_edit: bool
    can_delete: bool
    can_delete_user_messages: bool
    typing: bool
    answers_buttons: bool
    max_text: int
    max_caption: int
    max_buttons: int = Field(description="buttons one message can carry; more go to further pages")
    max_button_label: int
    picture_by_url: bool = True
    document_by_url: bool = True


Outcome = Literal["ok", "ignored", "retry", "unavailable", "window_closed", "cap_reached", "error"]


class PlatformReply(BaseModel):
    """What the platform's answer to one request means, as the adapter reads it.

    ok: done (message_id when the platform gives one); ignored: nothing to do (edit with the same text,
    delete of a message already gone); retry: throttled or a transient failure (retry_after in seconds
    when the platform says); unavailable: the recipient cannot be reached (blocked the bot, left): the
    turn goes on; window_closed: the customer has not written for 24 h, so only a WhatsApp template or
    a Messenger message tag may reach them (``render_outside_window``); cap_reached: the platform's cap
    of bot messages to one user without a reply is spent (Viber: 100 an hour) until the user writes, so
    no retry within a turn helps; error: a request the platform will never accept.
    """

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    outcome: Outcome
    message_id: str | None = None
    retry_after: float | None = None
    reason: str = ""


class WebhookSecrets(BaseModel):
    """The secrets that authenticate inbound webhooks (only the adapter's own one is used)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    telegram_secret_token: SecretStr | None = None
    viber_auth_token: SecretStr | None = None
    meta_app_secret: SecretStr | None = None
    meta_verify_token: SecretStr | None = None


def require_secret(secret: SecretStr | None, name: str) -> bytes:
    if secret is None or not secret.get_secret_value():
        raise SignatureInvalid(f"{name} is not configured: refusing every webhook")
    return secret.get_secret_value().encode()


def hmac_sha256_hex(key: bytes, raw_body: bytes) -> bytes:
    return hmac.new(key, raw_body, hashlib.sha256).hexdigest().encode()


def same(given: str | None, expected: bytes) -> bool:
    """Constant-time comparison of a header value with the expected bytes."""
    if given is None:
        return False
    try:
        given_bytes = given.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(given_bytes, expected)


class ChannelAdapter(ABC):
    """One messenger: inbound (verify, parse) and outbound (render requests, read replies)."""

    channel: ClassVar[Channel]
    capabilities: ClassVar[Capabilities]

    # --- inbound ---------------------------------------------------------------------------------
    @abstractmethod
    def verify(self, headers: Mapping[str, str] | None, raw_body: bytes, secrets: WebhookSecrets) -> None:
        """Check the webhook's authenticity on the raw body; raise SignatureInvalid if it fails."""

    def verify_challenge(self, params: Mapping[str, str] | None, secrets: WebhookSecrets) -> str:
        """Answer a GET subscription handshake (Meta's hub.challenge); others have none."""
        raise SignatureInvalid(f"{self.channel} has no GET verification handshake")

    @abstractmethod
    def parse(self, raw_body: bytes) -> list[InboundEvent]:
        """The customer actions in a webhook body; [] for receipts, echoes and unknown updates.

        Raises MalformedUpdate (and nothing else) when the body is not the platform's shape.
        """

    def awaits_welcome(self, raw_body: bytes) -> bool:
        """True when the platform shows only what the webhook's HTTP answer carries (Viber's welcome to a
        person who opened the chat but has not subscribed: the bot cannot message them otherwise)."""
        return False

    def render_welcome(self, message: OutboundMessage) -> dict[str, Any]:
        """`message` as the body of the webhook's answer (only where ``awaits_welcome`` can be true)."""
        raise NotImplementedError(f"{self.channel} takes no message in the webhook answer")

    # --- outbound --------------------------------------------------------------------------------
    @abstractmethod
    def render_send(self, chat: ChatRef, message: OutboundMessage) -> list[PlatformRequest]:
        """The requests that show `message` in `chat`, within the platform's limits, in order."""

    def render_edit(self, chat: ChatRef, message_id: str, message: OutboundMessage) -> list[PlatformRequest]:
        """Replace a bot message; where the platform cannot, send `message` as a new message."""
        return self.render_send(chat, message)

    def edited(self, reply: PlatformReply) -> bool:
        """An edit's reply: the message now says what was asked (not a message gone or too old)."""
        return reply.outcome == "ok"

    def render_drop_buttons(self, chat: ChatRef, message_id: str) -> list[PlatformRequest]:
        """Take the buttons off a bot message, its text kept; [] where the platform cannot edit."""
        return []

    def render_delete(self, chat: ChatRef, message_id: str) -> list[PlatformRequest]:
        """Delete a message; [] where the platform cannot (the MessageAPI logs that)."""
        return []

    def render_typing(self, chat: ChatRef, reply_to: str | None = None) -> list[PlatformRequest]:
        """Show "typing…"; `reply_to` is the customer's message id (WhatsApp needs one). [] if none."""
        return []

    def render_outside_window(
        self, chat: ChatRef, message: OutboundMessage, outside: OutsideWindow
    ) -> list[PlatformRequest]:
        """A notice for a customer whose 24 h window is closed: [] where the platform has no window."""
        return []

    def render_answer_button(self, event: InboundEvent, text: str | None = None) -> list[PlatformRequest]:
        """Acknowledge a button press where the platform wants it (Telegram); [] elsewhere."""
        return []

    @abstractmethod
    def read_reply(self, request: PlatformRequest, status_code: int, body: bytes) -> PlatformReply:
        """What the platform's HTTP answer to `request` means."""
