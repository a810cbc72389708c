"""Facebook Messenger Platform: page webhooks in, `/{version}/me/messages` out (shapes in PLATFORMS.md).

Inbound: `entry[].messaging[]` (both arrays iterated): text; quick replies and postbacks carrying our
``mb:<payload>`` (rules.PAYLOAD_PREFIX) are button presses; a `user_phone_number` quick reply carries
the phone itself as its payload → a contact event; image and location attachments; audio, video and file
attachments and stickers (an image with `sticker_id`) are media (answered, never read); a postback that is
not ours (Get Started) and a `referral` (m.me/<page>?ref=<code>) are starts, with `referral.ref` as the
referral. Echoes (`is_echo`), delivery, read, reactions and unknown events give no event; a single
messaging item we cannot read is skipped and logged.

Outbound: text ≤ 2000; ≤ 3 buttons → a button template (text ≤ 640, postback / web_url, title ≤ 20);
4-13 buttons without links, or any "share phone" button → quick replies (title ≤ 20, the phone as a
`user_phone_number` quick reply); otherwise button templates of 3 as pages. Pictures and files as URL
attachments. Typing is `sender_action: typing_on`. Messenger cannot edit (a new message is sent) or
delete (nothing is done). Answers use `messaging_type: RESPONSE`, notices the bank starts `UPDATE` (both only
inside the 24 h window); after it, a notice goes again with `MESSAGE_TAG` and its tag (render_outside_window).
"""

from __future__ import annotations

import re
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

PATH = "/{version}/me/messages"
MAX_TEXT = 2000
MAX_TEMPLATE_TEXT = 640
MAX_TEMPLATE_BUTTONS = 3
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20
MAX_PAYLOAD = 1000
# The Get Started button's payload (set when going live): not ours (no `mb:` prefix), so its postback is a start.
GET_STARTED_PAYLOAD = "GET_STARTED"

# 551: this person isn't available right now; 10/2018278: outside the 24 h window;
# 100/2018001: no matching user; 200/1545041: the person blocked the page or left Messenger.
_UNREACHABLE = frozenset({551})
_UNREACHABLE_PAIRS = {(100, 2018001), (200, 1545041)}
# (#10) "sent outside of allowed window": RESPONSE and UPDATE only within 24 h of the customer's message.
_WINDOW_CLOSED: frozenset[tuple[int, int | None]] = frozenset({(10, 2018278), (10, 2018065)})
# Attachment types the bot answers but cannot read. Messenger marks no voice clip apart from other audio.
_MEDIA: dict[str, MediaKind] = {"audio": "audio", "video": "video", "file": "document"}
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{7,20}$")


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class MsUser(_Tolerant):
    id: str = Field(min_length=1, max_length=128)


class MsQuickReply(_Tolerant):
    payload: str


class MsCoordinates(_Tolerant):
    lat: float
    long: float


class MsAttachmentPayload(_Tolerant):
    url: str | None = None
    coordinates: MsCoordinates | None = None
    sticker_id: int | None = None  # set when the "image" is a sticker (369239263222822 is the Like)


class MsAttachment(_Tolerant):
    type: str
    payload: MsAttachmentPayload | None = None


class MsMessage(_Tolerant):
    mid: str = Field(min_length=1, max_length=128)
    text: str | None = None
    is_echo: bool = False
    quick_reply: MsQuickReply | None = None
    attachments: list[MsAttachment] = Field(default_factory=list)
    sticker_id: int | None = None


class MsReferral(_Tolerant):
    ref: str | None = None
    source: str | None = None
    type: str | None = None


class MsPostback(_Tolerant):
    mid: str | None = None
    title: str | None = None
    payload: str | None = None
    referral: MsReferral | None = None


class MsMessaging(_Tolerant):
    sender: MsUser
    recipient: MsUser | None = None
    timestamp: int = Field(ge=0)
    message: MsMessage | None = None
    postback: MsPostback | None = None
    referral: MsReferral | None = None


class MsEntry(_Tolerant):
    id: str | None = None
    time: int | None = None
    messaging: list[dict[str, Any]] = Field(default_factory=list)


class MsWebhook(_Tolerant):
    object: Literal["page"]
    entry: list[MsEntry]


class MsSendResponse(_Tolerant):
    message_id: str | None = None


class MessengerAdapter(ChannelAdapter):
    channel: ClassVar[Channel] = "messenger"
    capabilities: ClassVar[Capabilities] = Capabilities(
        can_edit=False,
        can_delete=False,
        can_delete_user_messages=False,
        typing=True,
        answers_buttons=False,
        max_text=MAX_TEXT,
        max_caption=0,
        max_buttons=MAX_QUICK_REPLIES,
        max_button_label=MAX_TITLE,
    )

    # --- inbound ---------------------------------------------------------------------------------
    def verify(self, headers: Mapping[str, str] | None, raw_body: bytes, secrets: WebhookSecrets) -> None:
        meta.verify_signature(headers, raw_body, secrets)

    def verify_challenge(self, params: Mapping[str, str] | None, secrets: WebhookSecrets) -> str:
        return meta.verify_challenge(params, secrets)

    def parse(self, raw_body: bytes) -> list[InboundEvent]:
        data = rules.load_json_object(raw_body, platform="messenger")
        try:
            webhook = MsWebhook.model_validate(data)
        except ValidationError as error:
            raise MalformedUpdate(f"not a Messenger page webhook: {error.error_count()} problem(s)") from error
        events: list[InboundEvent] = []
        for entry in webhook.entry:
            for raw in entry.messaging:
                try:
                    event = self._event(MsMessaging.model_validate(raw))
                except (ValidationError, MalformedUpdate):
                    logger.warning("messenger event unreadable; skipped", extra={"keys": sorted(raw)[:8]})
                    continue
                if event is not None:
                    events.append(event)
        return events

    def _event(self, item: MsMessaging) -> InboundEvent | None:
        psid = item.sender.id
        common: dict[str, Any] = {
            "chat": ChatRef(channel="messenger", chat_id=psid),
            "user_id": psid,
            "sent_at": rules.from_millis(item.timestamp),
        }
        if item.message is not None:
            return self._message(item.message, common)
        if item.postback is not None:
            postback = item.postback
            update_id = postback.mid or f"postback:{psid}:{item.timestamp}"
            payload = rules.decode_payload(postback.payload or "")
            if payload is not None:
                return InboundEvent(
                    kind="button", button=payload, update_id=update_id, message_id=postback.mid, **common
                )
            ref = postback.referral.ref if postback.referral else None
            return InboundEvent(kind="start", referral=ref or None, update_id=update_id, **common)  # Get Started
        if item.referral is not None:
            update_id = f"referral:{psid}:{item.timestamp}"
            return InboundEvent(kind="start", referral=item.referral.ref or None, update_id=update_id, **common)
        return None  # delivery, read, reaction, optin, …

    def _message(self, message: MsMessage, common: dict[str, Any]) -> InboundEvent | None:
        if message.is_echo:
            return None  # our own send: answering it would loop
        common = common | {"update_id": message.mid, "message_id": message.mid}
        if message.quick_reply is not None:
            value = message.quick_reply.payload
            payload = rules.decode_payload(value)
            if payload is not None:
                return InboundEvent(kind="button", button=payload, **common)
            if _PHONE_LIKE.match(value):  # the user_phone_number quick reply: the payload is the phone
                return InboundEvent(kind="contact", phone=rules.normalise_phone(value), **common)
        for attachment in message.attachments:
            payload_obj = attachment.payload
            sticker = message.sticker_id is not None or (payload_obj is not None and payload_obj.sticker_id is not None)
            if attachment.type == "image" and sticker:
                return InboundEvent(kind="media", media="sticker", **common)
            if attachment.type in _MEDIA:
                return InboundEvent(kind="media", media=_MEDIA[attachment.type], text=message.text, **common)
            if attachment.type == "image" and payload_obj is not None and payload_obj.url:
                return InboundEvent(kind="picture", picture_ref=payload_obj.url, text=message.text, **common)
            if attachment.type == "location" and payload_obj is not None and payload_obj.coordinates:
                where = Location(latitude=payload_obj.coordinates.lat, longitude=payload_obj.coordinates.long)
                return InboundEvent(kind="location", location=where, **common)
        if message.text is not None:
            is_start, referral = rules.parse_start(message.text)
            if is_start:
                return InboundEvent(kind="start", referral=referral, **common)
            return InboundEvent(kind="text", text=message.text, **common)
        return None  # fallback (a shared link), template, reel, …

    # --- outbound --------------------------------------------------------------------------------
    @staticmethod
    def _request(chat: ChatRef, content: dict[str, Any], action: Action = "send") -> PlatformRequest:
        body = {"recipient": {"id": chat.chat_id}} | content
        return PlatformRequest(path=PATH, body=body, chat=chat, action=action)

    @staticmethod
    def _message_body(message: dict[str, Any]) -> dict[str, Any]:
        return {"messaging_type": "RESPONSE", "message": message}

    @staticmethod
    def _payload(button: Button) -> str:
        return rules.encode_payload(rules.button_payload(button))[:MAX_PAYLOAD]

    def _template(self, text: str, buttons: list[Button]) -> dict[str, Any]:
        rendered: list[dict[str, Any]] = []
        for b in buttons:
            title = rules.trim_label(b.label, MAX_TITLE)
            if b.url:
                rendered.append({"type": "web_url", "url": b.url, "title": title})
            else:
                rendered.append({"type": "postback", "title": title, "payload": self._payload(b)})
        return {
            "attachment": {
                "type": "template",
                "payload": {"template_type": "button", "text": text, "buttons": rendered},
            }
        }

    def _quick_replies(self, buttons: list[Button]) -> list[dict[str, Any]]:
        replies: list[dict[str, Any]] = []
        for b in buttons:
            if b.request_phone:
                replies.append({"content_type": "user_phone_number"})
            else:
                replies.append(
                    {
                        "content_type": "text",
                        "title": rules.trim_label(b.label, MAX_TITLE),
                        "payload": self._payload(b),
                    }
                )
        return replies[:MAX_QUICK_REPLIES]

    def render_send(self, chat: ChatRef, message: OutboundMessage) -> list[PlatformRequest]:
        flat = rules.flat_buttons(message)
        phone = [b for b in flat if b.request_phone]
        links = [b for b in flat if b.url and not b.request_phone]
        others = [b for b in flat if not b.request_phone]
        more = message.more_label or rules.DEFAULT_MORE_LABEL
        contents: list[dict[str, Any]] = []
        attachment = message.attachment
        if attachment is not None:
            kind = "image" if attachment.kind == "picture" else "file"
            payload = {"url": attachment.url, "is_reusable": False}
            contents.append(self._message_body({"attachment": {"type": kind, "payload": payload}}))
        if not flat:
            contents.extend(self._message_body({"text": t}) for t in rules.split_text(message.text, MAX_TEXT))
        elif not links and len(flat) <= MAX_QUICK_REPLIES and (phone or len(flat) > MAX_TEMPLATE_BUTTONS):
            texts = rules.split_text(message.text, MAX_TEXT) or [rules.FILLER_TEXT]
            contents.extend(self._message_body({"text": t}) for t in texts)
            contents[-1]["message"]["quick_replies"] = self._quick_replies(flat)
        else:
            texts = rules.split_with_tail(message.text, MAX_TEXT, MAX_TEMPLATE_TEXT) or [rules.FILLER_TEXT]
            tail = texts.pop()
            contents.extend(self._message_body({"text": t}) for t in texts)
            for page, group in enumerate(rules.chunked(others, MAX_TEMPLATE_BUTTONS)):
                page_text = tail if page == 0 else rules.trim_label(more, MAX_TEMPLATE_TEXT)
                contents.append(self._message_body(self._template(page_text, group)))
            if phone:
                contents[-1]["message"]["quick_replies"] = self._quick_replies(phone)
        if message.proactive:
            for content in contents:
                content["messaging_type"] = "UPDATE"
        return [self._request(chat, content) for content in contents]

    def render_outside_window(
        self, chat: ChatRef, message: OutboundMessage, outside: OutsideWindow
    ) -> list[PlatformRequest]:
        """The same message with a message tag: allowed after the window for the tag's use case."""
        tagged = {"messaging_type": "MESSAGE_TAG", "tag": outside.tag}
        return [r.model_copy(update={"body": r.body | tagged}) for r in self.render_send(chat, message)]

    def render_typing(self, chat: ChatRef, reply_to: str | None = None) -> list[PlatformRequest]:
        return [self._request(chat, {"sender_action": "typing_on"}, "typing")]

    def read_reply(self, request: PlatformRequest, status_code: int, body: bytes) -> PlatformReply:
        if 200 <= status_code < 300:
            try:
                answer = MsSendResponse.model_validate_json(body)
            except ValidationError:
                return PlatformReply(outcome="ok")
            return PlatformReply(outcome="ok", message_id=answer.message_id)
        return meta.read_error(status_code, body, _UNREACHABLE, _UNREACHABLE_PAIRS, window_closed=_WINDOW_CLOSED)
