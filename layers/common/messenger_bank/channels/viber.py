"""Viber REST Bot API: callbacks in, `/pa/send_message` out (creators.viber.com/docs/bots-api).

Inbound: `message` callbacks are text, contact, location or picture; video, file (audio when its name
says so: Viber has no voice type for bots) and sticker are media (answered, never read); a button press
is a text message whose text is the button's ActionBody, which we send as ``mb:<payload>``
(rules.PAYLOAD_PREFIX) so it is told apart from typed text; `tracking_data` comes back as
InboundEvent.tracking. `conversation_started` (the user opened the chat; `context` is the
deep-link payload) and `subscribed` are starts; a person who opened the chat but has not subscribed can
only be shown the welcome in the webhook's answer (``render_welcome``), sent messages are refused until
they write or press a button; `unsubscribed` is an unsubscribe; delivered / seen / failed / webhook /
client_status give no event. `message_token` (a 64-bit integer) is the dedupe id, kept exact.

Outbound: text ≤ 7000; a keyboard of ≤ 24 buttons (6 columns a row, Rows 1; reply / open-url /
share-phone, Silent so the payload is not echoed in the chat); more buttons go to further messages.
Pictures by URL (description ≤ 120, else the text follows); documents as `file` when the size is known,
otherwise as a `url` message. Viber cannot edit (a new message is sent), delete (nothing is done) or
show typing (nothing is sent).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from messenger_bank.channels import rules
from messenger_bank.channels.base import (
    Capabilities,
    ChannelAdapter,
    PlatformReply,
    PlatformRequest,
    WebhookSecrets,
    hmac_sha256_hex,
    require_secret,
    same,
)
from messenger_bank.channels.errors import MalformedUpdate, SignatureInvalid
from messenger_bank.channels.models import Button, ChatRef, InboundEvent, Location, MediaKind, OutboundMessage
from messenger_bank.types import Channel

SIGNATURE_HEADER = "X-Viber-Content-Signature"
MAX_TEXT = 7000
MAX_PICTURE_TEXT = 120
MAX_BUTTONS = 24
MAX_COLUMNS = 6
MAX_BUTTON_TEXT = 250
MAX_SENDER_NAME = 28
MAX_TRACKING = 4096
SHARE_PHONE_MIN_API = 3

# Viber's status codes: 0 ok; the recipient cannot be reached.
_UNREACHABLE = {5: "receiverNotRegistered", 6: "notSubscribed", 11: "noSuitableDevice"}
# 12 "Too many requests": send_message's documented refusal once 100 messages went to one user within an
# hour without a reply (creators.viber.com/docs/bots-api, Send a Message); the count resets only when the
# user writes, so it is the user's cap, not a throttle a retry outlasts.
_CAP_REACHED = {12: "tooManyRequests"}


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ViberUser(_Tolerant):
    id: str = Field(min_length=1, max_length=128)
    name: str | None = None
    language: str | None = None
    country: str | None = None
    api_version: int | None = None


class ViberLocation(_Tolerant):
    lat: float
    lon: float


class ViberContact(_Tolerant):
    name: str | None = None
    phone_number: str | None = None


class ViberMessage(_Tolerant):
    type: str
    text: str | None = None
    media: str | None = None
    file_name: str | None = None
    location: ViberLocation | None = None
    contact: ViberContact | None = None
    tracking_data: str | None = None


class ViberCallback(_Tolerant):
    event: str
    timestamp: int = Field(ge=0)
    message_token: int | None = None
    sender: ViberUser | None = None  # event=message
    message: ViberMessage | None = None  # event=message
    user: ViberUser | None = None  # conversation_started, subscribed
    user_id: str | None = None  # unsubscribed, delivered, seen, failed
    context: str | None = None  # conversation_started
    type: str | None = None  # conversation_started: "open"
    subscribed: bool | None = None


class ViberResponse(_Tolerant):
    status: int
    status_message: str = ""
    message_token: int | None = None


_MEDIA: dict[str, MediaKind] = {"video": "video", "file": "document", "sticker": "sticker"}
# Viber has no voice or audio message type for bots: a recording the user shares comes as a `file`.
_AUDIO_FILE = re.compile(r"\.(aac|amr|flac|m4a|mp3|oga|ogg|opus|wav)$", re.IGNORECASE)


def _language(value: str | None) -> str | None:
    return value.split("-")[0].lower() if value else None


class ViberAdapter(ChannelAdapter):
    channel: ClassVar[Channel] = "viber"
    capabilities: ClassVar[Capabilities] = Capabilities(
        can_edit=False,
        can_delete=False,
        can_delete_user_messages=False,
        typing=False,
        answers_buttons=False,
        max_text=MAX_TEXT,
        max_caption=MAX_PICTURE_TEXT,
        max_buttons=MAX_BUTTONS,
        max_button_label=MAX_BUTTON_TEXT,
    )

    def __init__(
        self, sender_name: str | Callable[[], str] = "Messenger Bank", clock: Callable[[], datetime] | None = None
    ) -> None:
        """`sender_name`: the name, or where to read it on first use (the webhook names a sender only in a welcome,
        and reading the channels' settings at its init read every platform secret it may see from SSM)."""
        self._sender_name = sender_name
        self._now = clock or (lambda: datetime.now(UTC))

    @cached_property
    def sender_name(self) -> str:
        name = self._sender_name if isinstance(self._sender_name, str) else self._sender_name()
        return rules.trim_label(name, MAX_SENDER_NAME)

    # --- inbound ---------------------------------------------------------------------------------
    def verify(self, headers: Mapping[str, str] | None, raw_body: bytes, secrets: WebhookSecrets) -> None:
        key = require_secret(secrets.viber_auth_token, "VIBER_AUTH_TOKEN")
        given = rules.header(headers, SIGNATURE_HEADER)
        expected = hmac_sha256_hex(key, raw_body)
        if given is None or not same(given.lower(), expected):
            raise SignatureInvalid(f"{SIGNATURE_HEADER} is missing or wrong")

    def parse(self, raw_body: bytes) -> list[InboundEvent]:
        data = rules.load_json_object(raw_body, platform="viber")
        try:
            callback = ViberCallback.model_validate(data)
            event = self._event(callback)
        except ValidationError as error:
            raise MalformedUpdate(f"not a Viber callback: {error.error_count()} problem(s)") from error
        return [event] if event is not None else []

    def awaits_welcome(self, raw_body: bytes) -> bool:
        try:
            callback = ViberCallback.model_validate(rules.load_json_object(raw_body, platform="viber"))
        except (ValidationError, MalformedUpdate):
            return False
        return callback.event == "conversation_started" and not callback.subscribed

    def render_welcome(self, message: OutboundMessage) -> dict[str, Any]:
        """One text message with its keyboard, as Viber takes a welcome: no receiver, the sender named."""
        welcome = message.model_copy(update={"text": rules.split_text(message.text, MAX_TEXT)[0]})
        keyboards = self._keyboards(welcome)
        body: dict[str, Any] = {"sender": {"name": self.sender_name}, "type": "text", "text": welcome.text}
        if keyboards:
            body["keyboard"] = keyboards[0]
        return body

    def _event(self, callback: ViberCallback) -> InboundEvent | None:
        if callback.event == "message":
            return self._message(callback)
        if callback.event in ("conversation_started", "subscribed"):
            user = callback.user
            if user is None:
                raise MalformedUpdate(f"Viber {callback.event} without user")
            return InboundEvent(
                chat=ChatRef(channel="viber", chat_id=user.id),
                update_id=self._update_id(callback, user.id),
                kind="start",
                user_id=user.id,
                user_name=user.name,
                language_hint=_language(user.language),
                referral=(callback.context or None) if callback.event == "conversation_started" else None,
                sent_at=rules.from_millis(callback.timestamp),
                # Greeted by the webhook's answer (render_welcome): the conversation must not greet again, or a
                # person who pressed the welcome's button before the queued start was taken is greeted twice.
                welcomed=callback.event == "conversation_started" and not callback.subscribed,
            )
        if callback.event == "unsubscribed":
            if not callback.user_id:
                raise MalformedUpdate("Viber unsubscribed without user_id")
            return InboundEvent(
                chat=ChatRef(channel="viber", chat_id=callback.user_id),
                update_id=self._update_id(callback, callback.user_id),
                kind="unsubscribed",
                user_id=callback.user_id,
                sent_at=rules.from_millis(callback.timestamp),
            )
        return None  # delivered, seen, failed, webhook, client_status, action, …

    @staticmethod
    def _update_id(callback: ViberCallback, user_id: str) -> str:
        if callback.message_token is not None:
            return str(callback.message_token)
        return f"{callback.event}:{user_id}:{callback.timestamp}"

    def _message(self, callback: ViberCallback) -> InboundEvent | None:
        sender, message = callback.sender, callback.message
        if sender is None or message is None:
            raise MalformedUpdate("Viber message without sender or message")
        common: dict[str, Any] = {
            "chat": ChatRef(channel="viber", chat_id=sender.id),
            "update_id": self._update_id(callback, sender.id),
            "user_id": sender.id,
            "user_name": sender.name,
            "language_hint": _language(sender.language),
            "message_id": str(callback.message_token) if callback.message_token is not None else None,
            "tracking": message.tracking_data or None,
            "sent_at": rules.from_millis(callback.timestamp),
        }
        if message.type == "text" and message.text is not None:
            payload = rules.decode_payload(message.text)
            if payload is not None:
                return InboundEvent(kind="button", button=payload, **common)
            is_start, referral = rules.parse_start(message.text)
            if is_start:
                return InboundEvent(kind="start", referral=referral, **common)
            return InboundEvent(kind="text", text=message.text, **common)
        if message.type == "contact" and message.contact is not None:
            return InboundEvent(kind="contact", phone=rules.normalise_phone(message.contact.phone_number), **common)
        if message.type == "location" and message.location is not None:
            where = Location(latitude=message.location.lat, longitude=message.location.lon)
            return InboundEvent(kind="location", location=where, **common)
        if message.type == "picture" and message.media:
            return InboundEvent(kind="picture", picture_ref=message.media, text=message.text or None, **common)
        media = _MEDIA.get(message.type)
        if media == "document" and _AUDIO_FILE.search(message.file_name or ""):
            media = "audio"
        if media is not None:
            return InboundEvent(kind="media", media=media, text=message.text or None, **common)
        return None  # url (a shared link), rich_media, unknown types: ignored

    # --- outbound --------------------------------------------------------------------------------
    def _base(self, chat: ChatRef, message: OutboundMessage) -> dict[str, Any]:
        body: dict[str, Any] = {"receiver": chat.chat_id, "sender": {"name": self.sender_name}}
        if message.tracking:
            body["tracking_data"] = message.tracking[:MAX_TRACKING]
        return body

    def _keyboards(self, message: OutboundMessage) -> list[dict[str, Any]]:
        rows = [list(row) for row in message.buttons if row]
        pages: list[list[dict[str, Any]]] = []
        current: list[dict[str, Any]] = []
        for row in rows:
            for part in rules.chunked(row, MAX_COLUMNS):
                if len(current) + len(part) > MAX_BUTTONS:
                    pages.append(current)
                    current = []
                columns = MAX_COLUMNS // len(part)
                current.extend(self._button(button, columns) for button in part)
        if current:
            pages.append(current)
        return [{"Type": "keyboard", "InputFieldState": "regular", "Buttons": page} for page in pages]

    @staticmethod
    def _button(button: Button, columns: int) -> dict[str, Any]:
        item: dict[str, Any] = {
            "Columns": columns,
            "Rows": 1,
            "Text": rules.trim_label(button.label, MAX_BUTTON_TEXT),
        }
        if button.request_phone:
            item |= {"ActionType": "share-phone", "ActionBody": "share-phone"}
        elif button.url:
            item |= {"ActionType": "open-url", "ActionBody": button.url}
        else:
            item |= {
                "ActionType": "reply",
                "ActionBody": rules.encode_payload(rules.button_payload(button)),
                "Silent": True,
            }
        return item

    def _request(self, body: dict[str, Any], chat: ChatRef) -> PlatformRequest:
        if any(b.get("ActionType") == "share-phone" for b in body.get("keyboard", {}).get("Buttons", [])):
            body["min_api_version"] = SHARE_PHONE_MIN_API
        return PlatformRequest(path="/pa/send_message", body=body, chat=chat)

    def render_send(self, chat: ChatRef, message: OutboundMessage) -> list[PlatformRequest]:
        keyboards = self._keyboards(message)
        texts = rules.split_text(message.text, MAX_TEXT)
        bodies: list[dict[str, Any]] = []
        attachment = message.attachment
        if attachment is not None and attachment.kind == "picture":
            body = self._base(chat, message) | {"type": "picture", "media": attachment.url, "text": ""}
            if len(texts) == 1 and rules.measure(texts[0]) <= MAX_PICTURE_TEXT:
                body["text"] = texts.pop()
            bodies.append(body)
        elif attachment is not None and attachment.size_bytes is not None:
            name = attachment.filename or attachment.url.rsplit("/", 1)[-1].split("?", 1)[0] or "document"
            bodies.append(
                self._base(chat, message)
                | {
                    "type": "file",
                    "media": attachment.url,
                    "size": attachment.size_bytes,
                    "file_name": name[:256],
                }
            )
        elif attachment is not None:
            bodies.append(self._base(chat, message) | {"type": "url", "media": attachment.url[:2000]})
        if keyboards and not texts and not bodies:
            texts = [rules.FILLER_TEXT]
        bodies.extend(self._base(chat, message) | {"type": "text", "text": text} for text in texts)
        if keyboards:
            bodies[-1]["keyboard"] = keyboards.pop(0)
        more = message.more_label or rules.DEFAULT_MORE_LABEL
        for keyboard in keyboards:
            bodies.append(self._base(chat, message) | {"type": "text", "text": more, "keyboard": keyboard})
        return [self._request(body, chat) for body in bodies]

    # Edit: the base class's fallback (a new message). Delete and typing: nothing (the base defaults).

    def read_reply(self, request: PlatformRequest, status_code: int, body: bytes) -> PlatformReply:
        if status_code == 429:
            return PlatformReply(outcome="retry", reason="HTTP 429")
        if status_code >= 500:
            return PlatformReply(outcome="retry", reason=f"HTTP {status_code}")
        try:
            answer = ViberResponse.model_validate_json(body)
        except ValidationError:
            return PlatformReply(outcome="error", reason=f"HTTP {status_code}: not a Viber answer")
        if answer.status == 0:
            token = answer.message_token
            return PlatformReply(outcome="ok", message_id=str(token) if token is not None else None)
        reason = f"{answer.status}: {answer.status_message[:100]}"
        if answer.status in _UNREACHABLE:
            return PlatformReply(outcome="unavailable", reason=reason)
        if answer.status in _CAP_REACHED:
            return PlatformReply(outcome="cap_reached", reason=reason)
        return PlatformReply(outcome="error", reason=reason)
