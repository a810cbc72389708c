"""Telegram Bot API: the Update webhook in, Bot API methods out (telegram/api.json, Bot API 10.1).

Inbound: only private chats are served (a bank does not talk in groups); `/start <payload>` is a start
with a referral; a photo or an image document is a picture; voice, audio, video, video note, animation
(as video), sticker and any other document are media (answered, never read); a shared contact keeps
`contact.user_id` so the conversation can accept only the customer's own number; `my_chat_member` with
status "kicked" is an unsubscribe. Edits, channel posts, other chats and unknown update kinds give no event.

Outbound: inline keyboards (callback_data ≤ 64 bytes, ≤ 8 buttons a row, ≤ 100 a message); a message
with a "share phone" button uses a one-time reply keyboard instead (inline buttons cannot ask for the
contact). Pictures and documents by URL with the text as caption when it fits (≤ 1024), else the text
follows. Edit is editMessageText (a message with an attachment or a reply keyboard is sent anew).
The share-phone keyboard stays until a message removes it: a message that `closes_keyboard` carries
`ReplyKeyboardRemove` (on a request without an inline keyboard; its buttons follow as a further page if
it has no such request).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from messenger_bank.channels import rules
from messenger_bank.channels.base import (
    Action,
    Capabilities,
    ChannelAdapter,
    PlatformReply,
    PlatformRequest,
    WebhookSecrets,
    require_secret,
    same,
)
from messenger_bank.channels.errors import MalformedUpdate, SignatureInvalid
from messenger_bank.channels.models import Button, ChatRef, InboundEvent, Location, MediaKind, OutboundMessage
from messenger_bank.types import Channel

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_ROW = 8
MAX_BUTTONS = 100
MAX_ANSWER_TEXT = 200


# --- what Telegram sends (tolerant) ----------------------------------------------------------------
class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class TgUser(_Tolerant):
    id: int
    is_bot: bool = False
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


class TgChat(_Tolerant):
    id: int
    type: str


class TgContact(_Tolerant):
    phone_number: str
    first_name: str = ""
    user_id: int | None = None


class TgLocation(_Tolerant):
    latitude: float
    longitude: float


class TgPhotoSize(_Tolerant):
    file_id: str
    width: int = 0
    height: int = 0
    file_size: int | None = None


class TgDocument(_Tolerant):
    file_id: str
    mime_type: str | None = None


class TgFile(_Tolerant):
    """A voice, audio, video, video note, sticker or animation: only that it came matters (its id is not kept)."""

    file_id: str


class TgWebAppData(_Tolerant):
    data: str
    button_text: str = ""


class TgMessage(_Tolerant):
    message_id: int
    date: int = Field(ge=0)
    chat: TgChat
    from_: TgUser | None = Field(default=None, alias="from")
    text: str | None = None
    caption: str | None = None
    contact: TgContact | None = None
    location: TgLocation | None = None
    photo: list[TgPhotoSize] | None = None
    document: TgDocument | None = None
    voice: TgFile | None = None
    audio: TgFile | None = None
    video: TgFile | None = None
    video_note: TgFile | None = None
    sticker: TgFile | None = None
    animation: TgFile | None = None  # a GIF: Telegram sets `document` too, for older clients
    web_app_data: TgWebAppData | None = None


class TgCallbackQuery(_Tolerant):
    id: str
    from_: TgUser = Field(alias="from")
    message: TgMessage | None = None  # also an InaccessibleMessage (date 0): chat and message_id only
    data: str | None = None


class TgChatMember(_Tolerant):
    status: str


class TgChatMemberUpdated(_Tolerant):
    chat: TgChat
    from_: TgUser = Field(alias="from")
    date: int = Field(ge=0)
    new_chat_member: TgChatMember


class TgUpdate(_Tolerant):
    update_id: int
    message: TgMessage | None = None
    edited_message: dict[str, Any] | None = None
    callback_query: TgCallbackQuery | None = None
    my_chat_member: TgChatMemberUpdated | None = None


class TgResponse(_Tolerant):
    ok: bool
    result: Any = None
    error_code: int | None = None
    description: str = ""
    parameters: dict[str, Any] | None = None


# Telegram signals these only through the description text; they mean "this chat cannot be reached".
_UNREACHABLE = re.compile(
    r"blocked by the user|user is deactivated|chat not found|bot was kicked|"
    r"can't initiate conversation|have no rights to send|PEER_ID_INVALID|user not found",
    re.IGNORECASE,
)
_UNCHANGED = re.compile(r"message is not modified", re.IGNORECASE)
_NOTHING_TO_DO = re.compile(
    r"message is not modified|message to delete not found|message can't be deleted|"
    r"query is too old|query ID is invalid|message to edit not found",
    re.IGNORECASE,
)


def _name(user: TgUser) -> str | None:
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return name or user.username


def _media(message: TgMessage) -> MediaKind | None:
    """What media a message holds; an animation is checked before `document`, which it also fills."""
    if message.voice is not None:
        return "voice"
    if message.audio is not None:
        return "audio"
    if message.video is not None or message.video_note is not None or message.animation is not None:
        return "video"
    if message.sticker is not None:
        return "sticker"
    if message.document is not None:
        return "document"  # an image document is a picture: told apart before this
    return None


def _chat_id(chat: ChatRef) -> int | str:
    return int(chat.chat_id) if re.fullmatch(r"-?\d{1,20}", chat.chat_id) else chat.chat_id


def _callback_data(button: Button) -> str:
    """The payload as callback_data, cut at a character boundary to Telegram's 64 bytes."""
    data = rules.button_payload(button).encode()[:MAX_CALLBACK_DATA_BYTES]
    return data.decode(errors="ignore") or "_"


class TelegramAdapter(ChannelAdapter):
    channel: ClassVar[Channel] = "telegram"
    capabilities: ClassVar[Capabilities] = Capabilities(
        can_edit=True,
        can_delete=True,
        can_delete_user_messages=True,
        typing=True,
        answers_buttons=True,
        max_text=MAX_TEXT,
        max_caption=MAX_CAPTION,
        max_buttons=MAX_BUTTONS,
        max_button_label=64,
    )

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._now = clock or (lambda: datetime.now(UTC))

    # --- inbound ---------------------------------------------------------------------------------
    def verify(self, headers: Mapping[str, str] | None, raw_body: bytes, secrets: WebhookSecrets) -> None:
        expected = require_secret(secrets.telegram_secret_token, "TELEGRAM_SECRET_TOKEN")
        if not same(rules.header(headers, SECRET_HEADER), expected):
            raise SignatureInvalid(f"{SECRET_HEADER} is missing or wrong")

    def parse(self, raw_body: bytes) -> list[InboundEvent]:
        data = rules.load_json_object(raw_body, platform="telegram")
        try:
            update = TgUpdate.model_validate(data)
            event = self._event(update)
        except ValidationError as error:
            raise MalformedUpdate(
                f"not a Telegram Update: {error.error_count()} problem(s)", fields=_locations(error)
            ) from error
        return [event] if event is not None else []

    def _event(self, update: TgUpdate) -> InboundEvent | None:
        update_id = str(update.update_id)
        if update.callback_query is not None:
            return self._button(update_id, update.callback_query)
        if update.message is not None:
            return self._message(update_id, update.message)
        if update.my_chat_member is not None:
            member = update.my_chat_member
            if member.chat.type == "private" and member.new_chat_member.status == "kicked":
                return InboundEvent(
                    chat=ChatRef(channel="telegram", chat_id=str(member.chat.id)),
                    update_id=update_id,
                    kind="unsubscribed",
                    user_id=str(member.from_.id),
                    user_name=_name(member.from_),
                    language_hint=member.from_.language_code,
                    sent_at=rules.from_seconds(member.date),
                )
        return None  # edited_message, channel posts, polls, …: acknowledged and ignored

    def _button(self, update_id: str, query: TgCallbackQuery) -> InboundEvent | None:
        if query.data is None or query.from_.is_bot:
            return None  # a game button: not ours
        message = query.message
        if message is not None and message.chat.type != "private":
            return None
        chat_id = str(message.chat.id) if message is not None else str(query.from_.id)
        return InboundEvent(
            chat=ChatRef(channel="telegram", chat_id=chat_id),
            update_id=update_id,
            kind="button",
            user_id=str(query.from_.id),
            user_name=_name(query.from_),
            language_hint=query.from_.language_code,
            button=query.data,
            callback_id=query.id,
            button_message_id=str(message.message_id) if message is not None else None,
            sent_at=self._now(),  # a callback query carries no date of its own
        )

    def _message(self, update_id: str, message: TgMessage) -> InboundEvent | None:
        sender = message.from_
        if message.chat.type != "private" or sender is None or sender.is_bot:
            return None
        common: dict[str, Any] = {
            "chat": ChatRef(channel="telegram", chat_id=str(message.chat.id)),
            "update_id": update_id,
            "user_id": str(sender.id),
            "user_name": _name(sender),
            "language_hint": sender.language_code,
            "message_id": str(message.message_id),
            "sent_at": rules.from_seconds(message.date),
        }
        if message.contact is not None:
            contact = message.contact
            return InboundEvent(
                kind="contact",
                phone=rules.normalise_phone(contact.phone_number),
                contact_user_id=str(contact.user_id) if contact.user_id is not None else None,
                **common,
            )
        if message.location is not None:
            where = Location(latitude=message.location.latitude, longitude=message.location.longitude)
            return InboundEvent(kind="location", location=where, **common)
        if message.photo:
            largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
            return InboundEvent(kind="picture", picture_ref=largest.file_id, text=message.caption, **common)
        document = message.document if message.animation is None else None
        if document is not None and (document.mime_type or "").startswith("image/"):
            return InboundEvent(kind="picture", picture_ref=document.file_id, text=message.caption, **common)
        media = _media(message)
        if media is not None:
            return InboundEvent(kind="media", media=media, text=message.caption, **common)
        if message.web_app_data is not None:
            # Data a Web App keyboard button sent back: a press of that button.
            return InboundEvent(
                kind="button",
                button=message.web_app_data.data,
                text=message.web_app_data.button_text,
                **common,
            )
        if message.text is not None:
            is_start, referral = rules.parse_start(message.text)
            if is_start:
                return InboundEvent(kind="start", referral=referral, **common)
            return InboundEvent(kind="text", text=message.text, **common)
        return None  # polls, dice, games, venues, service messages, …

    # --- outbound --------------------------------------------------------------------------------
    def _request(
        self, method: str, body: dict[str, Any], chat: ChatRef | None, action: Action = "send"
    ) -> PlatformRequest:
        return PlatformRequest(path=f"/bot{{token}}/{method}", body=body, chat=chat, action=action)

    def _inline_keyboard(self, buttons: list[list[Button]]) -> dict[str, Any]:
        rows: list[list[dict[str, Any]]] = []
        for row in buttons:
            for part in rules.chunked(row, MAX_ROW):
                rendered: list[dict[str, Any]] = []
                for button in part:
                    item: dict[str, Any] = {"text": button.label}
                    # Telegram opens Web Apps over HTTPS only: a plain-http page (the local cloud) is a link.
                    if button.url and button.web_app and button.url.startswith("https://"):
                        item["web_app"] = {"url": button.url}
                    elif button.url:
                        item["url"] = button.url
                    else:
                        item["callback_data"] = _callback_data(button)
                    rendered.append(item)
                rows.append(rendered)
        return {"inline_keyboard": rows}

    def _reply_keyboard(self, buttons: list[list[Button]]) -> dict[str, Any]:
        rows: list[list[dict[str, Any]]] = []
        for row in buttons:
            for part in rules.chunked(row, MAX_ROW):
                rendered: list[dict[str, Any]] = []
                for button in part:
                    item: dict[str, Any] = {"text": button.label}
                    if button.request_phone:
                        item["request_contact"] = True
                    elif button.url and button.web_app:
                        item["web_app"] = {"url": button.url}
                    rendered.append(item)
                rows.append(rendered)
        return {"keyboard": rows, "resize_keyboard": True, "one_time_keyboard": True}

    def _keyboards(self, message: OutboundMessage) -> list[dict[str, Any]]:
        """One reply_markup per message needed: at most MAX_BUTTONS buttons each."""
        rows = [list(row) for row in message.buttons if row]
        if not rows:
            return []
        wants_phone = any(button.request_phone for row in rows for button in row)
        pages: list[list[list[Button]]] = [[]]
        count = 0
        for row in rows:
            for part in rules.chunked(row, MAX_ROW):
                if count + len(part) > MAX_BUTTONS:
                    pages.append([])
                    count = 0
                pages[-1].append(part)
                count += len(part)
        render = self._reply_keyboard if wants_phone else self._inline_keyboard
        return [render(page) for page in pages]

    def render_send(self, chat: ChatRef, message: OutboundMessage) -> list[PlatformRequest]:
        chat_id = _chat_id(chat)
        keyboards = self._keyboards(message)
        texts = rules.split_text(message.text, MAX_TEXT)
        requests: list[PlatformRequest] = []
        if message.attachment is not None:
            method, field = (
                ("sendPhoto", "photo") if message.attachment.kind == "picture" else ("sendDocument", "document")
            )
            body: dict[str, Any] = {"chat_id": chat_id, field: message.attachment.url}
            if len(texts) == 1 and rules.measure(texts[0]) <= MAX_CAPTION:
                body["caption"] = texts.pop()
                if len(keyboards) == 1:
                    body["reply_markup"] = keyboards.pop()
            requests.append(self._request(method, body, chat))
        if keyboards and not texts:
            texts = [rules.FILLER_TEXT]
        more = message.more_label or rules.DEFAULT_MORE_LABEL
        for index, text in enumerate(texts):
            body = {"chat_id": chat_id, "text": text}
            if index == len(texts) - 1 and keyboards:
                body["reply_markup"] = keyboards.pop(0)
            requests.append(self._request("sendMessage", body, chat))
        for keyboard in keyboards:  # further pages of buttons
            requests.append(
                self._request("sendMessage", {"chat_id": chat_id, "text": more, "reply_markup": keyboard}, chat)
            )
        if message.closes_keyboard and not message.opens_keyboard:
            requests = _removing_the_reply_keyboard(requests, chat_id, chat)
        return requests

    def render_edit(self, chat: ChatRef, message_id: str, message: OutboundMessage) -> list[PlatformRequest]:
        keyboards = self._keyboards(message)
        editable = (
            message.attachment is None
            and message_id.isdigit()
            and 0 < rules.measure(message.text.strip()) <= MAX_TEXT
            and len(keyboards) <= 1
            and not message.opens_keyboard
            and not message.closes_keyboard  # editMessageText takes only an inline keyboard
        )
        if not editable:
            return self.render_send(chat, message)  # the one fallback: a new message
        body: dict[str, Any] = {
            "chat_id": _chat_id(chat),
            "message_id": int(message_id),
            "text": message.text.strip(),
        }
        if keyboards:
            body["reply_markup"] = keyboards[0]
        return [self._request("editMessageText", body, chat, "edit")]

    def edited(self, reply: PlatformReply) -> bool:
        # "not modified": it says that already (an edit repeated by a retry); "to edit not found": it does not.
        return reply.outcome == "ok" or (reply.outcome == "ignored" and _UNCHANGED.search(reply.reason) is not None)

    def render_drop_buttons(self, chat: ChatRef, message_id: str) -> list[PlatformRequest]:
        if not message_id.isdigit():
            return []
        # editMessageReplyMarkup without a reply_markup takes the inline keyboard away.
        body = {"chat_id": _chat_id(chat), "message_id": int(message_id)}
        return [self._request("editMessageReplyMarkup", body, chat, "edit")]

    def render_delete(self, chat: ChatRef, message_id: str) -> list[PlatformRequest]:
        if not message_id.isdigit():
            return []
        body = {"chat_id": _chat_id(chat), "message_id": int(message_id)}
        return [self._request("deleteMessage", body, chat, "delete")]

    def render_typing(self, chat: ChatRef, reply_to: str | None = None) -> list[PlatformRequest]:
        return [self._request("sendChatAction", {"chat_id": _chat_id(chat), "action": "typing"}, chat, "typing")]

    def render_answer_button(self, event: InboundEvent, text: str | None = None) -> list[PlatformRequest]:
        if event.chat.channel != "telegram" or not event.callback_id:
            return []
        body: dict[str, Any] = {"callback_query_id": event.callback_id}
        if text:
            body["text"] = rules.trim_label(text, MAX_ANSWER_TEXT)
        return [self._request("answerCallbackQuery", body, event.chat, "answer")]

    def read_reply(self, request: PlatformRequest, status_code: int, body: bytes) -> PlatformReply:
        try:
            answer = TgResponse.model_validate_json(body)
        except ValidationError:
            if status_code >= 500 or status_code == 429:
                return PlatformReply(outcome="retry", reason=f"HTTP {status_code}")
            return PlatformReply(outcome="error", reason=f"HTTP {status_code}: not a Bot API answer")
        if answer.ok:
            result = answer.result
            message_id = result.get("message_id") if isinstance(result, dict) else None
            return PlatformReply(outcome="ok", message_id=str(message_id) if message_id is not None else None)
        code = answer.error_code or status_code
        reason = f"{code}: {answer.description[:200]}"
        if code == 429:
            retry_after = (answer.parameters or {}).get("retry_after")
            seconds = float(retry_after) if isinstance(retry_after, int | float) else None
            return PlatformReply(outcome="retry", retry_after=seconds, reason=reason)
        if code >= 500:
            return PlatformReply(outcome="retry", reason=reason)
        if _UNREACHABLE.search(answer.description):
            return PlatformReply(outcome="unavailable", reason=reason)
        if _NOTHING_TO_DO.search(answer.description):
            return PlatformReply(outcome="ignored", reason=reason)
        return PlatformReply(outcome="error", reason=reason)


def _removing_the_reply_keyboard(
    requests: list[PlatformRequest], chat_id: int | str, chat: ChatRef
) -> list[PlatformRequest]:
    """`requests` with the reply keyboard removed by the first one free to carry it. A message holds one
    reply_markup, inline keyboard or ReplyKeyboardRemove: when every request carries an inline keyboard, a
    short message removes the keyboard first, so that no text is parted from its buttons (a link button
    from the words that say what it opens)."""
    removal = {"remove_keyboard": True}
    for index, request in enumerate(requests):
        if "reply_markup" not in request.body:
            body = {**request.body, "reply_markup": removal}
            return [*requests[:index], request.model_copy(update={"body": body}), *requests[index + 1 :]]
    first = requests[0]
    removing = PlatformRequest(
        path=first.path,
        body={"chat_id": chat_id, "text": rules.FILLER_TEXT, "reply_markup": removal},
        chat=chat,
    )
    return [removing, *requests]


def _locations(error: ValidationError) -> list[str]:
    return [".".join(str(part) for part in item["loc"]) for item in error.errors()[:5]]
