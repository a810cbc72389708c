"""`_send`: what a user does in a chat, turned into that platform's own webhook body, signed and posted."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from local.platforms.common import USER_PICTURE, ApiError, Platforms
from local.platforms.config import Channel, platform_user_id
from local.platforms.state import JSON, ChatMessage

Kind = Literal[
    "text",
    "button",
    "contact",
    "start",
    "location",
    "picture",
    "voice",
    "audio",
    "video",
    "sticker",
    "document",
    "receipt",
    "block",
    "unblock",
]
MediaKind = Literal["voice", "audio", "video", "sticker", "document"]


@dataclass(frozen=True)
class MediaSample:
    """A file the chat-page user 'sends' as voice, audio, video, sticker or document (only its first bytes
    are real: nothing in the bank opens it, and the page offers it as a download)."""

    data: bytes
    mime_type: str
    name: str
    duration: int = 0


MEDIA_SAMPLES: dict[MediaKind, MediaSample] = {
    "voice": MediaSample(b"OggS\x00\x02" + bytes(250), "audio/ogg", "voice-message.ogg", 3),
    "audio": MediaSample(b"ID3\x04\x00" + bytes(250), "audio/mpeg", "song.mp3", 187),
    "video": MediaSample(b"\x00\x00\x00\x18ftypmp42" + bytes(250), "video/mp4", "video.mp4", 12),
    "sticker": MediaSample(b"RIFF\x00\x01\x00\x00WEBPVP8 " + bytes(250), "image/webp", "sticker.webp"),
    "document": MediaSample(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(250), "application/pdf", "statement.pdf"),
}
# Viber has no voice or audio message type for bots: a recording the user shares goes as a file.
VIBER_MEDIA_TYPES: dict[MediaKind, str] = {
    "voice": "file",
    "audio": "file",
    "video": "video",
    "sticker": "sticker",
    "document": "file",
}
VIBER_STICKER_ID = 46105
MESSENGER_LIKE_STICKER_ID = 369239263222822  # Messenger's "Like" (thumbs-up) sticker


class SendError(Exception):
    """A `_send` request that cannot be turned into an update (HTTP 422 with a reason)."""


class User(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | int
    name: str = "Test User"
    phone: str | None = None
    language: str | None = "en"
    username: str | None = None


class SendRequest(BaseModel):
    """The body of `POST /_send` (see README.md)."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    user: User
    kind: Kind = "text"
    text: str | None = None
    payload: str | None = None
    referral: str | dict[str, Any] | None = None
    message_id: str | int | None = Field(default=None, description="the bot message a button belongs to")
    latitude: float = 52.5200
    longitude: float = 13.4050
    caption: str | None = None
    repeat: int = Field(default=1, ge=1, le=20)
    force: bool = Field(default=False, description="press a button even if no bot message shows it")
    contact_phone: str | None = Field(
        default=None, description="kind=contact: share this number as an address-book card, not the user's own"
    )


@dataclass
class Delivery:
    status: int | None
    response: str
    error: str | None = None


# signing and posting ---------------------------------------------------------------------------------
def serialize(channel: str, body: JSON) -> bytes:
    """The exact bytes the platform posts. Meta escapes non-ASCII and '/' as Facebook's PHP encoder does."""
    if channel in {"whatsapp", "messenger"}:
        return json.dumps(body, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature_headers(p: Platforms, channel: str, raw: bytes) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if channel == "telegram":
        secret = p.webhook("telegram").secret_token
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    elif channel == "viber":
        key = p.secrets.viber_auth_token.encode()
        headers["X-Viber-Content-Signature"] = hmac.new(key, raw, hashlib.sha256).hexdigest()
        headers["User-Agent"] = "Viber-Bot-Callback"
    else:
        key = p.secrets.meta_app_secret.encode()
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(key, raw, hashlib.sha256).hexdigest()
        headers["User-Agent"] = "facebookexternalua"
    return headers


@functools.cache
def _webhook_client() -> httpx.Client:
    """One client for every delivery (thread-safe): a new httpx.Client per update built an SSL context each time,
    20-60 ms of every turn's way to the webhook that no messenger platform pays."""
    return httpx.Client(timeout=20.0, trust_env=False)


def deliver_raw(p: Platforms, channel: str, raw: bytes, url: str | None = None) -> Delivery:
    target = url or p.webhook(channel).url
    headers = signature_headers(p, channel, raw)
    try:
        response = _webhook_client().post(target, content=raw, headers=headers)
        return Delivery(response.status_code, response.text[:4000])
    except httpx.HTTPError as exc:
        return Delivery(None, "", f"{type(exc).__name__}: {exc}")


# The platforms deliver again an update the bot did not take (PLATFORMS.md: Telegram "a reasonable number of
# attempts", Viber for about an hour, WhatsApp up to 7 days, Messenger until success): here an update answered 5xx
# or not at all (the webhook's timeout, a cold start under load) is posted again 1 s and then 2 s later. A 4xx is
# the bot's considered refusal and is not retried: the real platforms would get the same answer again.
REDELIVERY_DELAYS_S = (1.0, 2.0)


def deliver_until_taken(p: Platforms, channel: str, raw: bytes) -> list[Delivery]:
    """Every attempt at one update, the last the one that counts."""
    attempts = [deliver_raw(p, channel, raw)]
    for delay in REDELIVERY_DELAYS_S:
        last = attempts[-1].status
        if last is not None and last < 500:
            break
        time.sleep(delay)
        attempts.append(deliver_raw(p, channel, raw))
    return attempts


def viber_webhook_event(p: Platforms) -> bytes:
    body = {
        "event": "webhook",
        "timestamp": int(time.time() * 1000),
        "chat_hostname": "SN-CHAT-01_",
        "message_token": p.store.next_viber_token(),
    }
    return serialize("viber", body)


def whatsapp_failed_status(p: Platforms, wa_id: str, wamid: str, failure: JSON) -> bytes:
    """The status webhook the Cloud API posts when it cannot deliver a message it accepted (shape of
    Meta's `failed` example in tests/specs/whatsapp/fixtures/message_status.json)."""
    error = {
        "code": failure["code"],
        "title": failure["title"],
        "message": failure["title"],
        "error_data": {"details": failure["details"]},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }
    status = {
        "id": wamid,
        "status": "failed",
        "timestamp": str(int(time.time())),
        "recipient_id": wa_id,
        "errors": [error],
    }
    metadata = {
        "display_phone_number": p.secrets.whatsapp_display_phone_number,
        "phone_number_id": p.secrets.whatsapp_phone_number_id,
    }
    value = {"messaging_product": "whatsapp", "metadata": metadata, "statuses": [status]}
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "200000000000001", "changes": [{"value": value, "field": "messages"}]}],
    }
    return serialize("whatsapp", body)


# building updates ----------------------------------------------------------------------------------------
def _split_name(name: str) -> tuple[str, str | None]:
    first, _, last = name.strip().partition(" ")
    return first or "User", (last or None)


class Builder:
    def __init__(self, p: Platforms, req: SendRequest) -> None:
        self.p = p
        self.req = req
        self.chat_id = platform_user_id(req.channel, req.user.id, req.user.phone)
        self.first, self.last = _split_name(req.user.name)
        self.now = time.time()
        self.shown: ChatMessage | None = None  # what the chat shows the user did

    def user_message(self, msg_id: str, kind: str, text: str | None, **extra: Any) -> ChatMessage:
        self.shown = ChatMessage(
            seq=self.p.store.next_seq(),
            channel=self.req.channel,
            chat_id=self.chat_id,
            id=msg_id,
            sender="user",
            kind=kind,
            text=text,
            extra=extra,
            time=self.now,
        )
        return self.shown

    def picture_id(self) -> str:
        with self.p.store.lock:
            for stored in self.p.store.files.values():
                if stored.name == "user-picture.png":
                    return stored.id
            return self.p.store.put_file(USER_PICTURE, "image/png", "user-picture.png", "AgAD").id

    def media_file(self, kind: MediaKind) -> tuple[str, MediaSample]:
        """The stored sample file of this media kind (one per kind, as the picture), and the sample."""
        sample = MEDIA_SAMPLES[kind]
        with self.p.store.lock:
            for stored in self.p.store.files.values():
                if stored.name == sample.name:
                    return stored.id, sample
            return self.p.store.put_file(sample.data, sample.mime_type, sample.name, "AwAC").id, sample

    def show_media(self, file_id: str, sample: MediaSample, caption: str | None) -> None:
        assert self.shown is not None
        self.shown.media = {
            "url": self.p.file_url(file_id),
            "name": sample.name,
            "caption": caption,
            "mime_type": sample.mime_type,
        }

    def bot_messages(self) -> list[ChatMessage]:
        return [
            m
            for m in reversed(self.p.store.conversation(self.req.channel, self.chat_id))
            if m.sender == "bot" and not m.deleted
        ]

    def build(self) -> JSON | None:
        method = getattr(self, f"b_{self.req.channel}")
        body: JSON | None = method()
        return body

    def remember_user(self, info: JSON) -> None:
        with self.p.store.lock:
            self.p.store.users[(self.req.channel, self.chat_id)] = info

    # Telegram ---------------------------------------------------------------------------------------
    def tg_from(self) -> JSON:
        user: JSON = {"id": int(self.chat_id), "is_bot": False, "first_name": self.first}
        if self.last:
            user["last_name"] = self.last
        if self.req.user.username:
            user["username"] = self.req.user.username
        if self.req.user.language:
            user["language_code"] = self.req.user.language
        return user

    def tg_message(self, content: JSON, kind: str, shown_text: str | None) -> JSON:
        from local.platforms.telegram import TelegramApi

        msg_id = self.p.store.next_tg_message_id(self.chat_id)
        message: JSON = {
            "message_id": msg_id,
            "from": self.tg_from(),
            "chat": TelegramApi(self.p).chat_object(self.chat_id),
            "date": int(self.now),
            **content,
        }
        self.user_message(str(msg_id), kind, shown_text, content=content, **{"from": self.tg_from()})
        return {"update_id": self.p.store.next_tg_update_id(), "message": message}

    def tg_find_button(self) -> tuple[ChatMessage | None, JSON | None, str]:
        payload = self.req.payload if self.req.payload is not None else self.req.text
        for message in self.bot_messages():
            if self.req.message_id is not None and message.id != str(self.req.message_id):
                continue
            markup = message.markup if isinstance(message.markup, dict) else {}
            for row in markup.get("inline_keyboard") or []:
                for button in row:
                    if button.get("callback_data") is not None and button.get("callback_data") == payload:
                        return message, button, "inline"
        for message in self.bot_messages():  # the reply keyboard in force: the latest one sent
            markup = message.markup if isinstance(message.markup, dict) else {}
            if "remove_keyboard" in markup:
                break
            if "keyboard" in markup:
                for row in markup["keyboard"]:
                    for button in row:
                        button_obj = {"text": button} if isinstance(button, str) else button
                        if payload in (button_obj.get("text"),):
                            return message, button_obj, "reply"
                break
        return None, None, ""

    def b_telegram(self) -> JSON | None:
        req = self.req
        self.remember_user(
            {
                "first_name": self.first,
                "last_name": self.last,
                "username": req.user.username,
                "language_code": req.user.language,
            }
        )
        if req.kind == "text":
            text = req.text or ""
            if not text:
                raise SendError("text is required")
            content: JSON = {"text": text}
            if text.startswith("/"):
                content["entities"] = [{"offset": 0, "length": len(text.split(" ", 1)[0]), "type": "bot_command"}]
            return self.tg_message(content, "text", text)
        if req.kind == "start":
            payload = req.payload or (req.referral if isinstance(req.referral, str) else None)
            text = "/start" + (f" {payload}" if payload else "")
            content = {"text": text, "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]}
            return self.tg_message(content, "start", text)
        if req.kind == "contact":
            return self.tg_contact()
        if req.kind == "location":
            content = {"location": {"latitude": req.latitude, "longitude": req.longitude}}
            return self.tg_message(content, "location", f"{req.latitude}, {req.longitude}")
        if req.kind == "picture":
            file_id = self.picture_id()
            sizes = [
                {
                    "file_id": file_id,
                    "file_unique_id": file_id[-12:],
                    "file_size": len(USER_PICTURE),
                    "width": 320,
                    "height": 240,
                }
            ]
            content = {"photo": sizes}
            if req.caption or req.text:
                content["caption"] = req.caption or req.text
            update = self.tg_message(content, "photo", req.caption or req.text)
            assert self.shown is not None
            self.shown.media = {
                "url": self.p.file_url(file_id),
                "name": "user-picture.png",
                "caption": None,
                "mime_type": "image/png",
            }
            return update
        if req.kind in MEDIA_SAMPLES:
            return self.tg_media(req.kind)
        if req.kind == "button":
            message, button, where = self.tg_find_button()
            if where == "reply" and button is not None:
                if button.get("request_contact"):
                    return self.tg_contact()
                if button.get("request_location"):
                    content = {"location": {"latitude": req.latitude, "longitude": req.longitude}}
                    return self.tg_message(content, "location", f"{req.latitude}, {req.longitude}")
                return self.tg_message({"text": button["text"]}, "button", button["text"])
            if button is None and not req.force:
                raise SendError(f"no bot message in this chat shows a button with callback_data {req.payload!r}")
            query_id = str(int.from_bytes(os.urandom(8), "big") >> 1)
            data = req.payload if req.payload is not None else (req.text or "")
            query: JSON = {
                "id": query_id,
                "from": self.tg_from(),
                "chat_instance": str(abs(hash(self.chat_id)) % 10**19),
                "data": data,
            }
            if message is not None:
                from local.platforms.telegram import TelegramApi

                query["message"] = TelegramApi(self.p).message_json(message)
                with self.p.store.lock:
                    self.p.store.callback_queries[query_id] = (self.chat_id, message.id)
            else:
                with self.p.store.lock:
                    self.p.store.callback_queries[query_id] = (self.chat_id, "")
            label = button.get("text") if button else data
            self.user_message(f"cq{query_id}", "button", label, payload=data, button_of=message.id if message else None)
            return {"update_id": self.p.store.next_tg_update_id(), "callback_query": query}
        if req.kind in {"block", "unblock"}:
            blocked = req.kind == "block"
            with self.p.store.lock:
                if blocked:
                    self.p.store.blocked.add(("telegram", self.chat_id))
                else:
                    self.p.store.blocked.discard(("telegram", self.chat_id))
            from local.platforms.telegram import TelegramApi

            old, new = ("member", "kicked") if blocked else ("kicked", "member")
            bot = TelegramApi(self.p).bot_user
            return {
                "update_id": self.p.store.next_tg_update_id(),
                "my_chat_member": {
                    "chat": TelegramApi(self.p).chat_object(self.chat_id),
                    "from": self.tg_from(),
                    "date": int(self.now),
                    "old_chat_member": {"user": bot, "status": old},
                    "new_chat_member": {"user": bot, "status": new, **({"until_date": 0} if blocked else {})},
                },
            }
        raise SendError("Telegram has no delivery or read receipts for bots")

    def tg_media(self, kind: MediaKind) -> JSON:
        """Voice, audio, video, sticker or document as Bot API Message fields (Voice, Audio, Video, Sticker,
        Document); a caption where Telegram allows one."""
        file_id, sample = self.media_file(kind)
        described: JSON = {"file_id": file_id, "file_unique_id": file_id[-12:], "file_size": len(sample.data)}
        if kind == "voice":
            described |= {"duration": sample.duration, "mime_type": sample.mime_type}
        elif kind == "audio":
            described |= {"duration": sample.duration, "file_name": sample.name, "mime_type": sample.mime_type}
        elif kind == "video":
            described |= {"width": 1280, "height": 720, "duration": sample.duration, "mime_type": sample.mime_type}
        elif kind == "sticker":
            described |= {"type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}
            described |= {"emoji": "👍", "set_name": "MessengerBankTest"}
        else:
            described |= {"file_name": sample.name, "mime_type": sample.mime_type}
        content: JSON = {kind: described}
        caption = (self.req.caption or self.req.text) if kind in {"audio", "video", "document"} else None
        if caption:
            content["caption"] = caption
        update = self.tg_message(content, kind, caption)
        self.show_media(file_id, sample, caption)
        return update

    def tg_contact(self) -> JSON:
        if self.req.contact_phone:
            # A card from the address book: Telegram sends the number as saved, and no user_id.
            card = self.req.contact_phone.replace(" ", "").lstrip("+")
            return self.tg_message({"contact": {"phone_number": card, "first_name": "Contact"}}, "contact", card)
        phone = (self.req.user.phone or "").replace(" ", "").lstrip("+")
        if not phone:
            raise SendError("this user has no phone to share")
        contact: JSON = {"phone_number": phone, "first_name": self.first, "user_id": int(self.chat_id)}
        if self.last:
            contact["last_name"] = self.last
        return self.tg_message({"contact": contact}, "contact", "+" + phone)

    # Viber ------------------------------------------------------------------------------------------------
    def viber_user(self) -> JSON:
        return {
            "id": self.chat_id,
            "name": self.req.user.name,
            "avatar": f"{self.p.base_url}/_files/avatar",
            "language": self.req.user.language or "en",
            "country": "DE",
            "api_version": 10,
        }

    def viber_message(self, message: JSON, kind: str, shown_text: str | None, **extra: Any) -> JSON:
        with self.p.store.lock:
            self.p.store.viber_subscribed.add(self.chat_id)
        tracking = None
        last = self.bot_messages()
        if last and last[0].extra.get("tracking_data") is not None:
            tracking = last[0].extra["tracking_data"]
        if tracking is not None:
            message = {**message, "tracking_data": tracking}
        token = self.p.store.next_viber_token()
        self.user_message(str(token), kind, shown_text, **extra)
        sender = self.viber_user()
        sender.pop("country", None)
        return {
            "event": "message",
            "timestamp": int(self.now * 1000),
            "chat_hostname": "SN-CHAT-01_",
            "message_token": token,
            "sender": sender,
            "message": message,
            "silent": False,
        }

    def b_viber(self) -> JSON | None:
        req = self.req
        self.remember_user(self.viber_user())
        if req.kind == "text":
            if not req.text:
                raise SendError("text is required")
            return self.viber_message({"type": "text", "text": req.text}, "text", req.text)
        if req.kind == "start":
            context = req.payload or (req.referral if isinstance(req.referral, str) else None)
            body: JSON = {
                "event": "conversation_started",
                "timestamp": int(self.now * 1000),
                "chat_hostname": "SN-CHAT-01_",
                "message_token": self.p.store.next_viber_token(),
                "type": "open",
                "user": self.viber_user(),
                "subscribed": self.chat_id in self.p.store.viber_subscribed,
            }
            if context:
                body["context"] = context
            self.user_message(f"cs{body['message_token']}", "start", "(opened the chat)", context=context)
            return body
        if req.kind == "contact":
            return self.viber_contact()
        if req.kind == "location":
            return self.viber_message(
                {"type": "location", "location": {"lat": req.latitude, "lon": req.longitude}},
                "location",
                f"{req.latitude}, {req.longitude}",
            )
        if req.kind == "picture":
            url = self.p.file_url(self.picture_id())
            body = self.viber_message(
                {
                    "type": "picture",
                    "text": req.caption or req.text or "",
                    "media": url,
                    "thumbnail": url,
                    "file_name": "user-picture.png",
                    "size": len(USER_PICTURE),
                },
                "photo",
                req.caption or req.text,
            )
            assert self.shown is not None
            self.shown.media = {
                "url": url,
                "name": "user-picture.png",
                "caption": None,
                "mime_type": "image/png",
            }
            return body
        if req.kind in MEDIA_SAMPLES:
            return self.viber_media(req.kind)
        if req.kind == "button":
            payload = req.payload if req.payload is not None else req.text
            for message in self.bot_messages():
                keyboard = message.markup if isinstance(message.markup, dict) else {}
                for button in keyboard.get("Buttons") or []:
                    if button.get("ActionBody") == payload:
                        action = button.get("ActionType", "reply")
                        if action == "share-phone":
                            return self.viber_contact()
                        if action == "location-picker":
                            return self.viber_message(
                                {"type": "location", "location": {"lat": req.latitude, "lon": req.longitude}},
                                "location",
                                "location",
                            )
                        label = _strip_tags(str(button.get("Text") or payload))
                        return self.viber_message({"type": "text", "text": payload}, "button", label, payload=payload)
            if not req.force or payload is None:
                raise SendError(f"no Viber keyboard in this chat has a button with ActionBody {payload!r}")
            return self.viber_message({"type": "text", "text": payload}, "button", payload, payload=payload)
        if req.kind == "receipt":
            last = self.bot_messages()
            if not last:
                raise SendError("no bot message to acknowledge")
            return {
                "event": "seen" if req.payload == "seen" else "delivered",
                "timestamp": int(self.now * 1000),
                "chat_hostname": "SN-CHAT-01_",
                "message_token": int(last[0].id),
                "user_id": self.chat_id,
            }
        if req.kind in {"block", "unblock"}:
            with self.p.store.lock:
                if req.kind == "block":
                    self.p.store.viber_subscribed.discard(self.chat_id)
                    self.p.store.blocked.add(("viber", self.chat_id))
                else:
                    self.p.store.blocked.discard(("viber", self.chat_id))
                    self.p.store.viber_subscribed.add(self.chat_id)
            event = "unsubscribed" if req.kind == "block" else "subscribed"
            body = {
                "event": event,
                "timestamp": int(self.now * 1000),
                "chat_hostname": "SN-CHAT-01_",
                "message_token": self.p.store.next_viber_token(),
            }
            body.update({"user_id": self.chat_id} if event == "unsubscribed" else {"user": self.viber_user()})
            return body
        raise SendError(f"unsupported kind {req.kind}")

    def viber_media(self, kind: MediaKind) -> JSON:
        """A video, file or sticker message as Viber's callbacks carry them (media by URL, no caption)."""
        file_id, sample = self.media_file(kind)
        url = self.p.file_url(file_id)
        viber_type = VIBER_MEDIA_TYPES[kind]
        message: JSON = {"type": viber_type}
        if viber_type == "sticker":
            message["sticker_id"] = VIBER_STICKER_ID
        elif viber_type == "video":
            message |= {"media": url, "thumbnail": url, "size": len(sample.data), "duration": sample.duration}
        else:
            message |= {"media": url, "size": len(sample.data), "file_name": sample.name}
        body = self.viber_message(message, kind, None)
        self.show_media(file_id, sample, None)
        return body

    def viber_contact(self) -> JSON:
        # Viber's contact message looks the same for the share-phone button and any address-book card.
        phone = (self.req.contact_phone or self.req.user.phone or "").replace(" ", "")
        if not phone:
            raise SendError("this user has no phone to share")
        return self.viber_message(
            {"type": "contact", "contact": {"name": self.req.user.name, "phone_number": phone.lstrip("+")}},
            "contact",
            phone,
        )

    # WhatsApp ---------------------------------------------------------------------------------------------
    def wa_envelope(self, value: JSON) -> JSON:
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "200000000000001",
                    "changes": [
                        {
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": self.p.secrets.whatsapp_display_phone_number,
                                    "phone_number_id": self.p.secrets.whatsapp_phone_number_id,
                                },
                                **value,
                            },
                            "field": "messages",
                        }
                    ],
                }
            ],
        }

    def wa_message(self, message: JSON, kind: str, shown_text: str | None, **extra: Any) -> JSON:
        wamid = self.p.store.wamid()
        self.user_message(wamid, kind, shown_text, **extra)
        full = {"from": self.chat_id, "id": wamid, "timestamp": str(int(self.now)), **message}
        contacts = [{"profile": {"name": self.req.user.name}, "wa_id": self.chat_id}]
        return self.wa_envelope({"contacts": contacts, "messages": [full]})

    def b_whatsapp(self) -> JSON | None:
        req = self.req
        self.remember_user({"name": self.req.user.name, "wa_id": self.chat_id})
        if req.kind in {"text", "start"}:
            text = req.text or req.payload or ("Hi" if req.kind == "start" else "")
            if not text:
                raise SendError("text is required")
            message: JSON = {"type": "text", "text": {"body": text}}
            if req.referral is not None:
                message["referral"] = (
                    req.referral
                    if isinstance(req.referral, dict)
                    else {
                        "source_url": f"https://fb.me/{req.referral}",
                        "source_id": str(req.referral),
                        "source_type": "ad",
                        "headline": "Messenger Bank",
                        "body": "",
                        "media_type": "image",
                    }
                )
            return self.wa_message(message, "start" if req.kind == "start" else "text", text)
        if req.kind == "contact":
            phone = req.contact_phone or req.user.phone or ("+" + self.chat_id)
            name: JSON = {"formatted_name": req.user.name, "first_name": self.first}
            if self.last:
                name["last_name"] = self.last
            number: JSON = {"phone": phone, "type": "CELL"}
            if not req.contact_phone:  # a card of a number not on WhatsApp carries no wa_id
                number["wa_id"] = phone.lstrip("+").replace(" ", "")
            message = {"type": "contacts", "contacts": [{"name": name, "phones": [number]}]}
            return self.wa_message(message, "contact", phone)
        if req.kind == "location":
            message = {"type": "location", "location": {"latitude": req.latitude, "longitude": req.longitude}}
            return self.wa_message(message, "location", f"{req.latitude}, {req.longitude}")
        if req.kind == "picture":
            media_id = self.picture_id()
            image: JSON = {
                "mime_type": "image/png",
                "sha256": hashlib.sha256(USER_PICTURE).hexdigest(),
                "id": media_id,
            }
            if req.caption or req.text:
                image["caption"] = req.caption or req.text
            body = self.wa_message({"type": "image", "image": image}, "photo", req.caption or req.text)
            assert self.shown is not None
            self.shown.media = {
                "url": self.p.file_url(media_id),
                "name": "user-picture.png",
                "caption": None,
                "mime_type": "image/png",
            }
            return body
        if req.kind in MEDIA_SAMPLES:
            return self.wa_media(req.kind)
        if req.kind == "button":
            return self.wa_button()
        if req.kind == "receipt":
            last = self.bot_messages()
            if not last:
                raise SendError("no bot message to acknowledge")
            status = req.payload if req.payload in {"sent", "delivered", "read"} else "delivered"
            return self.wa_envelope(
                {
                    "statuses": [
                        {
                            "id": last[0].id,
                            "status": status,
                            "timestamp": str(int(self.now)),
                            "recipient_id": self.chat_id,
                        }
                    ]
                }
            )
        if req.kind in {"block", "unblock"}:
            self._block_only()
            return None
        raise SendError(f"unsupported kind {req.kind}")

    def wa_media(self, kind: MediaKind) -> JSON:
        """Audio (a voice note: `voice` true), video, sticker or document as Cloud API webhook messages."""
        media_id, sample = self.media_file(kind)
        described: JSON = {"mime_type": sample.mime_type, "sha256": hashlib.sha256(sample.data).hexdigest()}
        described["id"] = media_id
        wa_type = "audio" if kind == "voice" else kind
        if wa_type == "audio":
            described["voice"] = kind == "voice"
        elif wa_type == "sticker":
            described["animated"] = False
        elif wa_type == "document":
            described["filename"] = sample.name
        caption = (self.req.caption or self.req.text) if wa_type in {"video", "document"} else None
        if caption:
            described["caption"] = caption
        body = self.wa_message({"type": wa_type, wa_type: described}, kind, caption)
        self.show_media(media_id, sample, caption)
        return body

    def wa_button(self) -> JSON:
        req = self.req
        payload = req.payload if req.payload is not None else req.text
        display = self.p.secrets.whatsapp_display_phone_number
        for message in self.bot_messages():
            if req.message_id is not None and message.id != str(req.message_id):
                continue
            context = {"from": display, "id": message.id}
            markup = message.markup if isinstance(message.markup, dict) else {}
            action = markup.get("action") or {}
            if markup.get("type") == "button":
                for button in action.get("buttons") or []:
                    reply = button.get("reply") or {}
                    if reply.get("id") == payload:
                        interactive = {
                            "type": "button_reply",
                            "button_reply": {"id": reply["id"], "title": reply.get("title")},
                        }
                        return self.wa_message(
                            {"context": context, "type": "interactive", "interactive": interactive},
                            "button",
                            reply.get("title"),
                            payload=payload,
                        )
            if markup.get("type") == "list":
                for section in action.get("sections") or []:
                    for row in section.get("rows") or []:
                        if row.get("id") == payload:
                            reply = {"id": row["id"], "title": row.get("title")}
                            if row.get("description"):
                                reply["description"] = row["description"]
                            interactive = {"type": "list_reply", "list_reply": reply}
                            return self.wa_message(
                                {"context": context, "type": "interactive", "interactive": interactive},
                                "button",
                                row.get("title"),
                                payload=payload,
                            )
            if message.kind == "template":
                # A quick reply of an approved template: its payload, and the label the user saw.
                for button in markup.get("buttons") or []:
                    if button.get("payload") == payload:
                        return self.wa_message(
                            {
                                "context": context,
                                "type": "button",
                                "button": {"payload": payload, "text": button.get("text")},
                            },
                            "button",
                            button.get("text"),
                            payload=payload,
                        )
        if not req.force or payload is None:
            raise SendError(f"no WhatsApp message in this chat has a reply button or list row with id {payload!r}")
        interactive = {"type": "button_reply", "button_reply": {"id": payload, "title": req.text or payload}}
        return self.wa_message(
            {"type": "interactive", "interactive": interactive},
            "button",
            req.text or payload,
            payload=payload,
        )

    def _block_only(self) -> None:
        with self.p.store.lock:
            key = (self.req.channel, self.chat_id)
            if self.req.kind == "block":
                self.p.store.blocked.add(key)
            else:
                self.p.store.blocked.discard(key)

    # Messenger ----------------------------------------------------------------------------------------------
    def fb_event(self, event: JSON) -> JSON:
        page = self.p.secrets.messenger_page_id
        ms = int(self.now * 1000)
        return {
            "object": "page",
            "entry": [
                {
                    "id": page,
                    "time": ms,
                    "messaging": [
                        {"sender": {"id": self.chat_id}, "recipient": {"id": page}, "timestamp": ms, **event}
                    ],
                }
            ],
        }

    def fb_message(self, message: JSON, kind: str, shown_text: str | None, **extra: Any) -> JSON:
        mid = self.p.store.mid()
        self.user_message(mid, kind, shown_text, **extra)
        return self.fb_event({"message": {"mid": mid, **message}})

    def fb_postback(self, title: str, payload: str, referral: JSON | None = None) -> JSON:
        mid = self.p.store.mid()
        self.user_message(mid, "button", title, payload=payload)
        postback: JSON = {"mid": mid, "title": title, "payload": payload}
        if referral:
            postback["referral"] = referral
        return self.fb_event({"postback": postback})

    def b_messenger(self) -> JSON | None:
        req = self.req
        self.remember_user({"first_name": self.first, "last_name": self.last or "", "id": self.chat_id})
        if req.kind == "text":
            if not req.text:
                raise SendError("text is required")
            return self.fb_message({"text": req.text}, "text", req.text)
        if req.kind == "start":
            ref = req.payload or req.referral
            referral = None
            if isinstance(ref, dict):
                referral = ref
            elif ref:
                referral = {"ref": ref, "source": "SHORTLINK", "type": "OPEN_THREAD"}
            body = self.fb_postback("Get Started", self.p.store.messenger_get_started, referral)
            assert self.shown is not None
            self.shown.kind = "start"
            return body
        if req.kind == "contact":
            if req.contact_phone:
                raise SendError("Messenger shares only the user's own phone (the user_phone_number quick reply)")
            phone = req.user.phone
            if not phone:
                raise SendError("this user has no phone to share")
            return self.fb_message({"text": phone, "quick_reply": {"payload": phone}}, "contact", phone)
        if req.kind == "location":
            attachment = {
                "type": "location",
                "title": "Pinned Location",
                "payload": {"coordinates": {"lat": req.latitude, "long": req.longitude}},
            }
            return self.fb_message({"attachments": [attachment]}, "location", f"{req.latitude}, {req.longitude}")
        if req.kind == "picture":
            url = self.p.file_url(self.picture_id())
            body = self.fb_message({"attachments": [{"type": "image", "payload": {"url": url}}]}, "photo", None)
            assert self.shown is not None
            self.shown.media = {
                "url": url,
                "name": "user-picture.png",
                "caption": None,
                "mime_type": "image/png",
            }
            return body
        if req.kind in MEDIA_SAMPLES:
            return self.fb_media(req.kind)
        if req.kind == "button":
            return self.fb_button()
        if req.kind == "receipt":
            last = self.bot_messages()
            if not last:
                raise SendError("no bot message to acknowledge")
            watermark = int(self.now * 1000)
            if req.payload == "read":
                return self.fb_event({"read": {"watermark": watermark}})
            return self.fb_event({"delivery": {"mids": [last[0].id], "watermark": watermark}})
        if req.kind in {"block", "unblock"}:
            self._block_only()
            return None
        raise SendError(f"unsupported kind {req.kind}")

    def fb_media(self, kind: MediaKind) -> JSON:
        """An audio (voice clips too), video or file attachment by URL; a sticker is an image with sticker_id."""
        file_id, sample = self.media_file(kind)
        payload: JSON = {"url": self.p.file_url(file_id)}
        fb_type = {"voice": "audio", "audio": "audio", "video": "video", "sticker": "image", "document": "file"}[kind]
        if kind == "sticker":
            payload["sticker_id"] = MESSENGER_LIKE_STICKER_ID
        body = self.fb_message({"attachments": [{"type": fb_type, "payload": payload}]}, kind, None)
        self.show_media(file_id, sample, None)
        return body

    def fb_button(self) -> JSON:
        req = self.req
        payload = req.payload if req.payload is not None else req.text
        messages = self.bot_messages()
        if messages:  # quick replies belong to the latest message only
            markup = messages[0].markup if isinstance(messages[0].markup, dict) else {}
            for reply in markup.get("quick_replies") or []:
                if reply.get("content_type") == "user_phone_number" and payload in {
                    "user_phone_number",
                    req.user.phone,
                }:
                    if not req.user.phone:
                        raise SendError("this user has no phone to share")
                    return self.fb_message(
                        {"text": req.user.phone, "quick_reply": {"payload": req.user.phone}},
                        "contact",
                        req.user.phone,
                    )
                if reply.get("content_type") == "text" and reply.get("payload") == payload:
                    return self.fb_message(
                        {"text": reply.get("title"), "quick_reply": {"payload": payload}},
                        "button",
                        reply.get("title"),
                        payload=payload,
                    )
        for message in messages:
            if req.message_id is not None and message.id != str(req.message_id):
                continue
            markup = message.markup if isinstance(message.markup, dict) else {}
            template = markup.get("template") or {}
            buttons = list(template.get("buttons") or [])
            for element in template.get("elements") or []:
                buttons.extend(element.get("buttons") or [])
            for button in buttons:
                if button.get("type") == "postback" and button.get("payload") == payload:
                    return self.fb_postback(str(button.get("title")), str(payload))
        if not req.force or payload is None:
            raise SendError(f"no Messenger message in this chat has a quick reply or postback button {payload!r}")
        return self.fb_postback(req.text or payload, payload)


def _strip_tags(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", text)


# the whole `_send` ---------------------------------------------------------------------------------------
def send(p: Platforms, req: SendRequest) -> JSON:
    builder = Builder(p, req)
    body = builder.build()
    if body is None:  # a state change with no webhook on this platform (WhatsApp/Messenger block)
        return {
            "channel": req.channel,
            "chat_id": builder.chat_id,
            "status": None,
            "statuses": [],
            "body": None,
            "note": f"{req.channel} sends no webhook for {req.kind}",
        }
    if builder.shown is not None:
        p.store.add_message(builder.shown)
    raw = serialize(req.channel, body)
    setting = p.webhook(req.channel)
    deliveries = [attempt for _ in range(req.repeat) for attempt in deliver_until_taken(p, req.channel, raw)]
    last = deliveries[-1]
    if req.channel == "telegram":
        with p.store.lock:
            if last.status is None or not 200 <= last.status < 300:
                setting.last_error_date = int(time.time())
                setting.last_error_message = last.error or f"Wrong response from the webhook: {last.status}"
    if last.status == 200 and last.response.strip().startswith("{"):
        _webhook_reply(p, req.channel, builder.chat_id, body, last.response)
    out: JSON = {
        "channel": req.channel,
        "chat_id": builder.chat_id,
        "url": setting.url,
        "status": last.status,
        "statuses": [d.status for d in deliveries],
        "body": body,
        "raw": raw.decode(),
        "response": last.response,
    }
    if last.error:
        out["error"] = last.error
    if builder.shown is not None:
        out["message_id"] = builder.shown.id
    return out


def _webhook_reply(p: Platforms, channel: str, chat_id: str, update: JSON, response: str) -> None:
    """Platforms that take an answer in the webhook response: Telegram's method call, Viber's welcome."""
    try:
        answer = json.loads(response)
    except ValueError:
        return
    if not isinstance(answer, dict):
        return
    try:
        if channel == "telegram" and isinstance(answer.get("method"), str):
            from local.platforms.telegram import TelegramApi

            params = {k: v for k, v in answer.items() if k != "method"}
            TelegramApi(p).handle(p.secrets.telegram_bot_token, answer["method"], params, {})
        elif channel == "viber" and update.get("event") == "conversation_started" and answer.get("type"):
            from local.platforms.viber import ViberApi

            api = ViberApi(p)
            receiver, kind, text, media = api.validate({**answer, "receiver": chat_id})
            api.store_bot_message(receiver, kind, text, media, answer, p.store.next_viber_token(), "welcome_message")
    except ApiError:
        return
