"""WhatsApp Cloud API: webhooks in, `/{version}/{phone_number_id}/messages` out (OpenAPI v23.0 in specs).

Inbound: `entry[].changes[]` with field "messages": text (``start <code>`` prefilled by a
``wa.me/<number>?text=start%20<code>`` link is a start with a referral, see rules.parse_start),
interactive button_reply / list_reply and template `button.payload` (button presses), location, image,
contacts; audio (voice when `audio.voice`), video, sticker and document are media (answered, never
read). The sender's `wa_id` is their phone: a press of our "share phone" button (rules.SHARE_PHONE_PAYLOAD)
becomes a contact event with that phone. A `failed` status is an "undelivered" event (the bank's message
id and the error; 131047: the 24 h window had closed); other statuses, echoes, edits, revokes,
reactions, system, unsupported and unknown types give no event; a single message we cannot read is
skipped and logged (the body is genuine and signed: a 400 would only bring 7 days of retries).

Outbound: text ≤ 4096; ≤ 3 buttons with labels ≤ 20 → reply buttons (body ≤ 1024); more, or longer
labels → list messages of ≤ 10 rows (title ≤ 24, the full label as the description ≤ 72), further lists
for more rows. A URL button is an interactive `cta_url` message (one URL a message, display text ≤ 20;
Meta documents the type, the v23.0 OpenAPI omits it): the text goes with the first, each further URL
button follows with its label as the body, and reply buttons come last in their own message (body "…");
a URL that is not http(s) stays a "label: url" line in the text. Images and documents by link. Typing =
read receipt with typing indicator on the customer's message. WhatsApp cannot edit (a new message is
sent) or delete (nothing is done).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from messenger_bank.channels import meta, rules
from messenger_bank.channels.base import (
    Action,
    Capabilities,
    ChannelAdapter,
    PlatformReply,
    PlatformRequest,
    WebhookSecrets,
)
from messenger_bank.channels.errors import MalformedUpdate
from messenger_bank.channels.models import (
    Button,
    ChatRef,
    InboundEvent,
    Location,
    MediaKind,
    OutboundMessage,
    OutsideWindow,
)
from messenger_bank.observability import logger
from messenger_bank.types import Channel

PATH = "/{version}/{phone_number_id}/messages"
MAX_TEXT = 4096
MAX_BODY = 1024  # interactive body and media caption
MAX_REPLY_BUTTONS = 3
MAX_REPLY_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_LIST_BUTTON = 20
MAX_ID = 200
MAX_CTA_DISPLAY_TEXT = 20

# 131026: message undeliverable (no WhatsApp, old version, blocked); 131030: not in the test allow-list;
# 131049: not delivered to keep the ecosystem healthy (marketing limits).
_UNREACHABLE = frozenset({131026, 131030, 131049})
# 131047 (re-engagement): more than 24 hours since the customer's last message; only templates pass.
_WINDOW_CLOSED: frozenset[tuple[int, int | None]] = frozenset({(131047, None)})


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class WaText(_Tolerant):
    body: str


class WaReply(_Tolerant):
    id: str
    title: str = ""


class WaInteractive(_Tolerant):
    type: str
    button_reply: WaReply | None = None
    list_reply: WaReply | None = None


class WaTemplateButton(_Tolerant):
    payload: str | None = None
    text: str | None = None


class WaLocation(_Tolerant):
    latitude: float
    longitude: float


class WaMedia(_Tolerant):
    id: str
    caption: str | None = None
    voice: bool = False  # audio only: recorded with WhatsApp's voice button


class WaPhone(_Tolerant):
    phone: str | None = None
    wa_id: str | None = None


class WaContactCard(_Tolerant):
    phones: list[WaPhone] = Field(default_factory=list)


class WaMessage(_Tolerant):
    from_: str = Field(alias="from", min_length=1, max_length=128)
    id: str = Field(min_length=1, max_length=128)
    timestamp: int = Field(ge=0)
    type: str
    text: WaText | None = None
    interactive: WaInteractive | None = None
    button: WaTemplateButton | None = None
    location: WaLocation | None = None
    image: WaMedia | None = None
    audio: WaMedia | None = None
    video: WaMedia | None = None
    sticker: WaMedia | None = None
    document: WaMedia | None = None
    contacts: list[WaContactCard] | None = None


class WaProfile(_Tolerant):
    name: str | None = None


class WaContact(_Tolerant):
    wa_id: str | None = None
    profile: WaProfile | None = None


class WaValue(_Tolerant):
    contacts: list[WaContact] = Field(default_factory=list)
    messages: list[dict[str, Any]] = Field(default_factory=list)
    statuses: list[dict[str, Any]] = Field(default_factory=list)


class WaStatusError(_Tolerant):
    code: int
    title: str = ""


class WaStatus(_Tolerant):
    """What became of a message the bank sent: sent, delivered, read, played or failed (with `errors`)."""

    id: str = Field(min_length=1, max_length=128)
    status: str
    timestamp: int = Field(ge=0)
    recipient_id: str = Field(min_length=1, max_length=128)
    errors: list[WaStatusError] = Field(default_factory=list)


class WaChange(_Tolerant):
    field: str
    value: dict[str, Any]


class WaEntry(_Tolerant):
    id: str | None = None
    changes: list[WaChange] = Field(default_factory=list)


class WaWebhook(_Tolerant):
    object: Literal["whatsapp_business_account"]
    entry: list[WaEntry]


class WaSendResponse(_Tolerant):
    messages: list[dict[str, Any]] = Field(default_factory=list)


def _media(message: WaMessage) -> tuple[MediaKind, WaMedia] | None:
    if message.type == "audio" and message.audio is not None:
        return ("voice" if message.audio.voice else "audio"), message.audio
    if message.type == "video" and message.video is not None:
        return "video", message.video
    if message.type == "sticker" and message.sticker is not None:
        return "sticker", message.sticker
    if message.type == "document" and message.document is not None:
        return "document", message.document
    return None


class WhatsAppAdapter(ChannelAdapter):
    channel: ClassVar[Channel] = "whatsapp"
    capabilities: ClassVar[Capabilities] = Capabilities(
        can_edit=False,
        can_delete=False,
        can_delete_user_messages=False,
        typing=True,
        answers_buttons=False,
        max_text=MAX_TEXT,
        max_caption=MAX_BODY,
        max_buttons=MAX_LIST_ROWS,
        max_button_label=MAX_ROW_TITLE,
    )

    # --- inbound ---------------------------------------------------------------------------------
    def verify(self, headers: Mapping[str, str] | None, raw_body: bytes, secrets: WebhookSecrets) -> None:
        meta.verify_signature(headers, raw_body, secrets)

    def verify_challenge(self, params: Mapping[str, str] | None, secrets: WebhookSecrets) -> str:
        return meta.verify_challenge(params, secrets)

    def parse(self, raw_body: bytes) -> list[InboundEvent]:
        data = rules.load_json_object(raw_body, platform="whatsapp")
        try:
            webhook = WaWebhook.model_validate(data)
        except ValidationError as error:
            raise MalformedUpdate(f"not a WhatsApp webhook: {error.error_count()} problem(s)") from error
        events: list[InboundEvent] = []
        for entry in webhook.entry:
            for change in entry.changes:
                if change.field != "messages":
                    continue  # echoes (smb_message_echoes), template and account updates
                try:
                    value = WaValue.model_validate(change.value)
                except ValidationError:
                    logger.warning("whatsapp change value unreadable; skipped", extra={"field": change.field})
                    continue
                names = {c.wa_id: c.profile.name for c in value.contacts if c.wa_id and c.profile}
                for raw in value.messages:
                    try:
                        event = self._event(WaMessage.model_validate(raw), names)
                    except (ValidationError, MalformedUpdate):
                        logger.warning("whatsapp message unreadable; skipped", extra={"type": str(raw.get("type"))})
                        continue
                    if event is not None:
                        events.append(event)
                for raw in value.statuses:
                    try:
                        failed = self._failed(WaStatus.model_validate(raw))
                    except ValidationError:
                        logger.warning("whatsapp status unreadable; skipped", extra={"status": str(raw.get("status"))})
                        continue
                    if failed is not None:
                        events.append(failed)
        return events

    @staticmethod
    def _failed(status: WaStatus) -> InboundEvent | None:
        """A `failed` status: the platform refused a message it had accepted (131047: the window had closed).
        Sent, delivered, read and played give no event."""
        if status.status != "failed":
            return None
        first = status.errors[0] if status.errors else WaStatusError(code=0, title="no error given")
        return InboundEvent(
            chat=ChatRef(channel="whatsapp", chat_id=status.recipient_id),
            update_id=f"failed:{status.id}"[:128],
            kind="undelivered",
            user_id=status.recipient_id,
            message_id=status.id,
            refusal=f"{first.code}: {first.title[:100]}",
            window_closed=any((error.code, None) in _WINDOW_CLOSED for error in status.errors),
            sent_at=rules.from_seconds(status.timestamp),
        )

    def _event(self, message: WaMessage, names: Mapping[str, str | None]) -> InboundEvent | None:
        wa_id = message.from_
        common: dict[str, Any] = {
            "chat": ChatRef(channel="whatsapp", chat_id=wa_id),
            "update_id": message.id,
            "user_id": wa_id,
            "user_name": names.get(wa_id),
            "message_id": message.id,
            "sent_at": rules.from_seconds(message.timestamp),
        }
        if message.type == "text" and message.text is not None:
            is_start, referral = rules.parse_start(message.text.body)
            if is_start:
                return InboundEvent(kind="start", referral=referral, **common)
            return InboundEvent(kind="text", text=message.text.body, **common)
        if message.type == "interactive" and message.interactive is not None:
            reply = message.interactive.button_reply or message.interactive.list_reply
            if reply is None:
                return None  # flows (nfm_reply) and other interactive answers
            if reply.id == rules.SHARE_PHONE_PAYLOAD:
                return InboundEvent(kind="contact", phone=rules.normalise_phone(wa_id), contact_user_id=wa_id, **common)
            return InboundEvent(kind="button", button=reply.id, **common)
        if message.type == "button" and message.button is not None:
            payload = message.button.payload or message.button.text
            return InboundEvent(kind="button", button=payload, **common) if payload else None
        if message.type == "location" and message.location is not None:
            where = Location(latitude=message.location.latitude, longitude=message.location.longitude)
            return InboundEvent(kind="location", location=where, **common)
        if message.type == "image" and message.image is not None:
            return InboundEvent(kind="picture", picture_ref=message.image.id, text=message.image.caption, **common)
        media = _media(message)
        if media is not None:
            kind, body = media
            return InboundEvent(kind="media", media=kind, text=body.caption, **common)
        if message.type == "contacts" and message.contacts:
            phones = [phone for card in message.contacts for phone in card.phones]
            if not phones:
                return None
            first = phones[0]
            return InboundEvent(
                kind="contact",
                phone=rules.normalise_phone(first.phone or first.wa_id),
                contact_user_id=first.wa_id,
                **common,
            )
        return None  # reaction, edit, revoke, system, unsupported, order

    # --- outbound --------------------------------------------------------------------------------
    @staticmethod
    def _base(chat: ChatRef) -> dict[str, Any]:
        return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": chat.chat_id}

    @staticmethod
    def _request(body: dict[str, Any], chat: ChatRef, action: Action = "send") -> PlatformRequest:
        return PlatformRequest(path=PATH, body=body, chat=chat, action=action)

    @staticmethod
    def _id(button: Button) -> str:
        if button.request_phone:
            return rules.SHARE_PHONE_PAYLOAD
        return rules.button_payload(button)[:MAX_ID]

    def _interactive(
        self, chat: ChatRef, text: str, buttons: list[Button], message: OutboundMessage
    ) -> list[dict[str, Any]]:
        fits = len(buttons) <= MAX_REPLY_BUTTONS and all(rules.measure(b.label) <= MAX_REPLY_TITLE for b in buttons)
        if fits:
            return [
                self._base(chat)
                | {
                    "type": "interactive",
                    "interactive": {
                        "type": "button",
                        "body": {"text": text},
                        "action": {
                            "buttons": [
                                {
                                    "type": "reply",
                                    "reply": {
                                        "id": self._id(b),
                                        "title": rules.trim_label(b.label, MAX_REPLY_TITLE),
                                    },
                                }
                                for b in buttons
                            ]
                        },
                    },
                }
            ]
        label = rules.trim_label(message.list_label or rules.DEFAULT_LIST_LABEL, MAX_LIST_BUTTON)
        more = rules.trim_label(message.more_label or rules.DEFAULT_MORE_LABEL, MAX_BODY)
        bodies: list[dict[str, Any]] = []
        for page, group in enumerate(rules.chunked(buttons, MAX_LIST_ROWS)):
            rows: list[dict[str, Any]] = []
            for b in group:
                row: dict[str, Any] = {"id": self._id(b), "title": rules.trim_label(b.label, MAX_ROW_TITLE)}
                if rules.measure(b.label) > MAX_ROW_TITLE:
                    row["description"] = rules.trim_label(b.label, MAX_ROW_DESCRIPTION)
                rows.append(row)
            bodies.append(
                self._base(chat)
                | {
                    "type": "interactive",
                    "interactive": {
                        "type": "list",
                        "body": {"text": text if page == 0 else more},
                        "action": {"button": label, "sections": [{"rows": rows}]},
                    },
                }
            )
        return bodies

    def _cta_url(self, chat: ChatRef, text: str, button: Button) -> dict[str, Any]:
        assert button.url is not None
        parameters = {"display_text": rules.trim_label(button.label, MAX_CTA_DISPLAY_TEXT), "url": button.url}
        return self._base(chat) | {
            "type": "interactive",
            "interactive": {
                "type": "cta_url",
                "body": {"text": text},
                "action": {"name": "cta_url", "parameters": parameters},
            },
        }

    def render_send(self, chat: ChatRef, message: OutboundMessage) -> list[PlatformRequest]:
        flat = rules.flat_buttons(message)
        links = [b for b in flat if b.url and not b.request_phone]
        pages = [b for b in links if (b.url or "").startswith(("https://", "http://"))]
        replies = rules.unique_by((b for b in flat if not (b.url and not b.request_phone)), self._id)
        text = message.text.strip()
        lines = [b for b in links if b not in pages]
        if lines:  # not a web page (cta_url takes http(s) only): the link in the text
            text = "\n".join([text, *(f"{b.label}: {b.url}" for b in lines)]).strip()
        interactive = bool(replies or pages)
        texts = rules.split_with_tail(text, MAX_TEXT, MAX_BODY) if interactive else rules.split_text(text, MAX_TEXT)
        bodies: list[dict[str, Any]] = []
        attachment = message.attachment
        if attachment is not None:
            kind = "image" if attachment.kind == "picture" else "document"
            media: dict[str, Any] = {"link": attachment.url}
            if kind == "document" and attachment.filename:
                media["filename"] = attachment.filename
            if len(texts) == 1 and not interactive and rules.measure(texts[0]) <= MAX_BODY:
                media["caption"] = texts.pop()
            bodies.append(self._base(chat) | {"type": kind, kind: media})
        tail = texts.pop() if interactive and texts else None
        bodies.extend(self._base(chat) | {"type": "text", "text": {"body": t, "preview_url": False}} for t in texts)
        for index, page in enumerate(pages):  # one URL button a message: the Cloud API's limit
            body = tail if index == 0 and tail else rules.trim_label(page.label, MAX_BODY)
            bodies.append(self._cta_url(chat, body, page))
        if replies:
            bodies.extend(self._interactive(chat, tail if tail and not pages else rules.FILLER_TEXT, replies, message))
        return [self._request(body, chat) for body in bodies]

    def render_outside_window(
        self, chat: ChatRef, message: OutboundMessage, outside: OutsideWindow
    ) -> list[PlatformRequest]:
        """The approved template with its named parameters, and the menu as its quick-reply button."""
        components: list[dict[str, Any]] = []
        if outside.parameters:
            parameters = [
                {"type": "text", "parameter_name": name, "text": value} for name, value in outside.parameters.items()
            ]
            components.append({"type": "body", "parameters": parameters})
        components.extend(
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(index),
                "parameters": [{"type": "payload", "payload": payload[:MAX_ID]}],
            }
            for index, payload in enumerate(outside.button_payloads)
        )
        template: dict[str, Any] = {"name": outside.template, "language": {"code": outside.language}}
        if components:
            template["components"] = components
        return [self._request(self._base(chat) | {"type": "template", "template": template}, chat)]

    def render_typing(self, chat: ChatRef, reply_to: str | None = None) -> list[PlatformRequest]:
        if not reply_to:
            return []  # the typing indicator rides on a read receipt of the customer's message
        body = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": reply_to,
            "typing_indicator": {"type": "text"},
        }
        return [self._request(body, chat, "typing")]

    def read_reply(self, request: PlatformRequest, status_code: int, body: bytes) -> PlatformReply:
        if 200 <= status_code < 300:
            try:
                answer = WaSendResponse.model_validate_json(body)
            except ValidationError:
                return PlatformReply(outcome="ok")
            first = answer.messages[0].get("id") if answer.messages else None
            return PlatformReply(outcome="ok", message_id=str(first) if first else None)
        return meta.read_error(status_code, body, _UNREACHABLE, set(), window_closed=_WINDOW_CLOSED)
