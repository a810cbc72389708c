"""The Telegram Bot API, as `{base}/bot{token}/{method}` answers it (JSON, form or multipart bodies)."""

from __future__ import annotations

import hmac
import json
import re
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from local.platforms.common import ApiError, Platforms
from local.platforms.state import JSON, ChatMessage

CHANNEL = "telegram"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# BotCommand: 1-32 lowercase English letters, digits and underscores; a description of 1-256 characters.
BOT_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
BOT_COMMAND_DESCRIPTION_LIMIT = 256
BOT_COMMANDS_LIMIT = 100
LANGUAGE_CODE_RE = re.compile(r"^(?:[a-z]{2})?$")
HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
    "br",
}
MARKDOWN_V2_RESERVED = set(".!-=+#{}>|")
TEXT_BUTTONS_UNALLOWED = "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"


@dataclass
class Upload:
    data: bytes
    filename: str
    mime_type: str


def web_app_init_data(bot_token: str, user_id: str, *, auth_date: int | None = None) -> str:
    """The ``initData`` Telegram hands a Web App opened from the chat with `user_id` (its ``#tgWebAppData``),
    signed as Telegram documents it: hash = HMAC-SHA256(HMAC-SHA256("WebAppData", bot token), the sorted
    "key=value" lines). Only Telegram (this fake) and the bot know the token, so only they can make one."""
    import hashlib
    from urllib.parse import urlencode

    pairs = [
        ("auth_date", str(auth_date if auth_date is not None else int(time.time()))),
        ("user", json.dumps({"id": int(user_id), "first_name": "Local"}, separators=(",", ":"))),
    ]
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    check = "\n".join(sorted(f"{k}={v}" for k, v in pairs))
    return urlencode([*pairs, ("hash", hmac.new(secret, check.encode(), hashlib.sha256).hexdigest())])


def error(code: int, description: str, retry_after: int | None = None) -> ApiError:
    body: JSON = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return ApiError(code, body)


def bad(description: str) -> ApiError:
    return error(400, f"Bad Request: {description}")


def ok(result: Any, **extra: Any) -> tuple[int, JSON]:
    return 200, {"ok": True, "result": result, **extra}


# parameters ------------------------------------------------------------------------------------------
def _json_param(params: JSON, name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str) and name in {
        "reply_markup",
        "allowed_updates",
        "entities",
        "link_preview_options",
        "commands",
        "scope",
    }:
        try:
            return json.loads(value)
        except ValueError:
            raise bad(f"can't parse {name} JSON object") from None
    return value


def _bool(params: JSON, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.lower() in {"true", "1"}
    return bool(value)


def _chat_id(params: JSON) -> str:
    value = params.get("chat_id")
    if value is None or value == "":
        raise bad("chat_id is empty")
    text = str(value)
    if not re.fullmatch(r"-?\d{1,20}", text):
        raise bad("chat not found")
    return str(int(text))


def _message_id(params: JSON) -> str:
    value = params.get("message_id")
    if value is None or not str(value).lstrip("-").isdigit():
        raise bad("message identifier is not specified")
    return str(int(str(value)))


# formatting ------------------------------------------------------------------------------------------
class _HtmlCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.plain: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            self.problem = self.problem or f'Unsupported start tag "{tag}" at byte offset {self.getpos()[1]}'
            return
        if tag != "br":
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problem = self.problem or f'Unmatched end tag at byte offset {self.getpos()[1]}, expected "</{tag}>"'
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.plain.append(data)


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text as Telegram stores it (markup parsed away); raises 400 where Telegram would."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        if re.search(r"<(?![/a-zA-Z])", text) or re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
            raise bad("can't parse entities: Can't find end of the entity starting at byte offset 0")
        checker = _HtmlCheck()
        checker.feed(text)
        checker.close()
        if checker.problem:
            raise bad(f"can't parse entities: {checker.problem}")
        if checker.stack:
            raise bad(f"can't parse entities: Can't find end tag corresponding to start tag \"{checker.stack[-1]}\"")
        return "".join(checker.plain)
    if mode == "markdownv2":
        out: list[str] = []
        in_code = False
        chars = iter(enumerate(text))
        for offset, char in chars:
            if char == "\\":
                nxt = next(chars, None)
                if nxt is not None:
                    out.append(nxt[1])
                continue
            if char == "`":
                in_code = not in_code
                continue
            if not in_code and char in MARKDOWN_V2_RESERVED:
                raise bad(
                    f"can't parse entities: Character '{char}' is reserved and must be escaped with the "
                    f"preceding '\\' (offset {offset})"
                )
            if not in_code and char in "*_~":
                continue
            out.append(char)
        return "".join(out)
    return text


def _check_text(text: Any, limit: int, what: str = "message text") -> str:
    if not isinstance(text, str) or not text.strip():
        raise bad(f"{what} is empty")
    return text


def check_reply_markup(markup: Any) -> Any:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        if sum(len(r) for r in rows) > 100:
            raise bad("reply markup is too long")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad(TEXT_BUTTONS_UNALLOWED)
                kinds = [
                    k
                    for k in (
                        "callback_data",
                        "url",
                        "web_app",
                        "login_url",
                        "switch_inline_query",
                        "switch_inline_query_current_chat",
                        "copy_text",
                        "pay",
                    )
                    if k in button
                ]
                if len(kinds) != 1:
                    raise bad(TEXT_BUTTONS_UNALLOWED)
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                        raise bad("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
                    raise bad("BUTTON_URL_INVALID")
                if "web_app" in button and not str((button["web_app"] or {}).get("url", "")).startswith("https://"):
                    raise bad("BUTTON_URL_INVALID")
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad("can't parse keyboard button: KeyboardButton must be a String or an Object")
        for row in rows:
            for button in row:
                if isinstance(button, str):
                    continue
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad('can\'t parse keyboard button: Field "text" must be of type String')
    elif not ("remove_keyboard" in markup or "force_reply" in markup):
        raise bad("can't parse reply keyboard markup JSON object")
    return markup


# the API -----------------------------------------------------------------------------------------------
class TelegramApi:
    def __init__(self, platforms: Platforms) -> None:
        self.p = platforms

    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.p.secrets.telegram_bot_id,
            "is_bot": True,
            "first_name": "Messenger Bank",
            "username": "messenger_bank_local_bot",
        }

    def chat_object(self, chat_id: str) -> JSON:
        user = self.p.store.users.get((CHANNEL, chat_id), {})
        if int(chat_id) < 0:
            return {"id": int(chat_id), "title": "Group", "type": "supergroup"}
        chat: JSON = {"id": int(chat_id), "first_name": user.get("first_name", "User")}
        if user.get("last_name"):
            chat["last_name"] = user["last_name"]
        if user.get("username"):
            chat["username"] = user["username"]
        chat["type"] = "private"
        return chat

    def message_json(self, message: ChatMessage) -> JSON:
        """The Message object of a stored message in its current state."""
        if message.sender == "bot":
            sender = self.bot_user
        else:
            sender = dict(message.extra.get("from") or {"id": int(message.chat_id), "is_bot": False})
        out: JSON = {
            "message_id": int(message.id),
            "from": sender,
            "chat": self.chat_object(message.chat_id),
            "date": int(message.time),
        }
        if message.edited and message.extra.get("edit_date"):
            out["edit_date"] = message.extra["edit_date"]
        content = message.extra.get("content") or {}
        out.update(content)
        if message.kind == "text":
            out["text"] = message.text or ""
        elif message.text:
            out["caption"] = message.text
        if isinstance(message.markup, dict) and "inline_keyboard" in message.markup:
            out["reply_markup"] = message.markup
        return out

    def handle(self, token: str, method: str, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        if not hmac.compare_digest(token.encode(), self.p.secrets.telegram_bot_token.encode()):
            raise error(401, "Unauthorized")
        name = method.lower()
        handler = getattr(self, f"m_{name}", None)
        if handler is None:
            raise error(404, "Not Found")
        chat_id = str(params.get("chat_id")) if params.get("chat_id") is not None else None
        if name not in {"getme", "setwebhook", "deletewebhook", "getwebhookinfo", "getfile", "getmycommands"}:
            fault = self.p.store.take_fault(CHANNEL, chat_id)
            if fault is not None:
                if fault.kind == "rate_limit":
                    raise error(429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after)
                raise error(500, "Internal Server Error")
        # Messages only (not typing or answers), per bot and per chat; a refused request is not counted.
        rated = name != "sendchataction" and name.startswith(("send", "edit", "copymessage", "forwardmessage"))
        if rated:
            over = self.p.store.over_rate(CHANNEL, chat_id)
            if over is not None:
                raise error(429, f"Too Many Requests: retry after {over[1]}", over[1])
        result: tuple[int, JSON] = handler(params, uploads)
        if rated:
            self.p.store.count_rate(CHANNEL, chat_id)
        return result

    # methods (each name is m_<lowercase Bot API method>) ------------------------------------------------
    def m_getme(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        return ok(
            {
                **self.bot_user,
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            }
        )

    def m_setwebhook(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN_RE.match(str(secret)):
            raise bad("secret token contains unallowed characters")
        if url and not re.match(r"^https?://\S+$", url):
            raise bad("invalid webhook URL specified")
        with self.p.store.lock:
            setting = self.p.webhook(CHANNEL)
            if not url:
                setting.deleted = True
                self.p.store.record(CHANNEL, None, "setWebhook", dict(params))
                return ok(True, description="Webhook was deleted")
            setting.url = url
            setting.secret_token = str(secret) if secret is not None else None
            setting.explicit = True
            setting.deleted = False
            allowed = _json_param(params, "allowed_updates")
            setting.allowed_updates = list(allowed) if isinstance(allowed, list) else []
            if params.get("max_connections"):
                setting.max_connections = int(str(params["max_connections"]))
            self.p.store.record(CHANNEL, None, "setWebhook", dict(params))
        return ok(True, description="Webhook was set")

    def m_deletewebhook(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        with self.p.store.lock:
            setting = self.p.webhook(CHANNEL)
            was_set = not setting.deleted
            setting.deleted = True
            self.p.store.record(CHANNEL, None, "deleteWebhook", dict(params))
        return ok(True, description="Webhook was deleted" if was_set else "Webhook is already deleted")

    def m_getwebhookinfo(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        setting = self.p.webhook(CHANNEL)
        info: JSON = {
            "url": "" if setting.deleted else setting.url,
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }
        if not setting.deleted:
            info["max_connections"] = setting.max_connections
            info["ip_address"] = "127.0.0.1"
            if setting.allowed_updates:
                info["allowed_updates"] = setting.allowed_updates
            if setting.last_error_date:
                info["last_error_date"] = setting.last_error_date
                info["last_error_message"] = setting.last_error_message
        return ok(info)

    def _send(
        self, method: str, params: JSON, kind: str, text: str | None, content: JSON, media: JSON | None = None
    ) -> tuple[int, JSON]:
        chat_id = _chat_id(params)
        markup = check_reply_markup(_json_param(params, "reply_markup"))
        if self.p.store.is_blocked(CHANNEL, chat_id):
            raise error(403, "Forbidden: bot was blocked by the user")
        message = ChatMessage(
            seq=self.p.store.next_seq(),
            channel=CHANNEL,
            chat_id=chat_id,
            id=str(self.p.store.next_tg_message_id(chat_id)),
            sender="bot",
            kind=kind,
            text=text,
            markup=markup,
            media=media,
            extra={"parse_mode": params.get("parse_mode"), "content": content},
        )
        if params.get("parse_mode") and text is not None:
            message.extra["raw_text"] = params.get("text") or params.get("caption")
        self.p.store.add_message(message)
        body = {k: v for k, v in params.items()}
        if markup is not None:
            body["reply_markup"] = markup
        self.p.store.record(CHANNEL, chat_id, method, body, int(message.id), message)
        return ok(self.message_json(message))

    def m_sendmessage(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        _chat_id(params)
        raw = _check_text(params.get("text"), TEXT_LIMIT)
        text = plain_text(raw, params.get("parse_mode"))
        if not text.strip():
            raise bad("message text is empty")
        if len(text.encode("utf-16-le")) // 2 > TEXT_LIMIT:
            raise bad("message is too long")
        return self._send("sendMessage", params, "text", text, {})

    def _media(self, params: JSON, uploads: dict[str, Upload], field: str, mime: str) -> tuple[JSON, JSON]:
        caption = params.get("caption")
        if caption is not None:
            caption = plain_text(str(caption), params.get("parse_mode"))
            if len(caption) > CAPTION_LIMIT:
                raise bad("message caption is too long")
        upload = uploads.get(field)
        value = params.get(field)
        if upload is not None:
            limit = 10 * 1024 * 1024 if field == "photo" else 50 * 1024 * 1024
            if len(upload.data) > limit:
                raise error(413, "Request Entity Too Large")
            stored = self.p.store.put_file(upload.data, upload.mime_type or mime, upload.filename, "AgAC")
            url, name, size, file_id = (
                self.p.file_url(stored.id),
                upload.filename,
                len(upload.data),
                stored.id,
            )
        elif isinstance(value, str) and value.startswith("attach://"):
            raise bad(f"{field} not found in attachments")  # multipart part missing
        elif isinstance(value, str) and value:
            known = self.p.store.files.get(value)
            if value.startswith(("http://", "https://")):
                url, name, size, file_id = value, value.rsplit("/", 1)[-1] or field, 0, None
            elif known is not None:
                url, name, size, file_id = self.p.file_url(known.id), known.name, len(known.data), known.id
            else:
                raise bad("wrong file identifier/HTTP URL specified")
        else:
            raise bad(f"there is no {field} in the request")
        file_id = file_id or self.p.store.put_file(b"", mime, name, "BQAC").id
        media = {"url": url, "name": name, "caption": caption, "mime_type": mime}
        return media, {"file_id": file_id, "file_unique_id": file_id[-12:], "file_size": size, "name": name}

    def m_sendphoto(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        _chat_id(params)
        media, info = self._media(params, uploads, "photo", "image/png")
        sizes = [
            {
                "file_id": info["file_id"],
                "file_unique_id": info["file_unique_id"],
                "file_size": info["file_size"],
                "width": w,
                "height": h,
            }
            for w, h in ((90, 90), (320, 320))
        ]
        return self._send("sendPhoto", params, "photo", media["caption"], {"photo": sizes}, media)

    def m_senddocument(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        _chat_id(params)
        media, info = self._media(params, uploads, "document", "application/octet-stream")
        document = {
            "file_name": info["name"],
            "mime_type": media["mime_type"],
            "file_id": info["file_id"],
            "file_unique_id": info["file_unique_id"],
            "file_size": info["file_size"],
        }
        upload = uploads.get("document")
        if upload is not None:
            media["mime_type"] = document["mime_type"] = upload.mime_type or "application/octet-stream"
        return self._send("sendDocument", params, "document", media["caption"], {"document": document}, media)

    def _own_message(self, params: JSON, verb: str) -> tuple[str, ChatMessage]:
        if params.get("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")
        chat_id = _chat_id(params)
        message_id = _message_id(params)
        message = self.p.store.find_message(CHANNEL, chat_id, message_id)
        if message is None or message.deleted:
            raise bad(f"message to {verb} not found")
        if self.p.store.is_blocked(CHANNEL, chat_id):
            raise error(403, "Forbidden: bot was blocked by the user")
        return chat_id, message

    def _not_modified(self) -> ApiError:
        return bad(
            "message is not modified: specified new message content and reply markup are exactly the same "
            "as a current content and reply markup of the message"
        )

    def m_editmessagetext(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        chat_id, message = self._own_message(params, "edit")
        if message.sender != "bot":
            raise bad("message can't be edited")
        if message.kind != "text":
            raise bad("there is no text in the message to edit")
        raw = _check_text(params.get("text"), TEXT_LIMIT)
        text = plain_text(raw, params.get("parse_mode"))
        if len(text) > TEXT_LIMIT:
            raise bad("message is too long")
        markup = check_reply_markup(_json_param(params, "reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad("inline keyboard expected")
        new_raw = raw if params.get("parse_mode") else None
        if text == message.text and markup == message.markup and new_raw == message.extra.get("raw_text"):
            raise self._not_modified()
        with self.p.store.lock:
            message.text = text
            message.markup = markup
            message.extra["parse_mode"] = params.get("parse_mode")
            message.extra["raw_text"] = new_raw
            message.edited = True
            message.extra["edit_date"] = int(time.time())
            self.p.store.touch(message)
            body = dict(params)
            if markup is not None:
                body["reply_markup"] = markup
            self.p.store.record(CHANNEL, chat_id, "editMessageText", body, int(message.id))
        return ok(self.message_json(message))

    def m_editmessagereplymarkup(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        chat_id, message = self._own_message(params, "edit")
        if message.sender != "bot":
            raise bad("message can't be edited")
        markup = check_reply_markup(_json_param(params, "reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad("inline keyboard expected")
        current = message.markup if isinstance(message.markup, dict) and "inline_keyboard" in message.markup else None
        if markup == current or (markup == {"inline_keyboard": []} and current is None):
            raise self._not_modified()
        with self.p.store.lock:
            message.markup = markup if markup and markup.get("inline_keyboard") else None
            message.edited = True
            message.extra["edit_date"] = int(time.time())
            self.p.store.touch(message)
            body = dict(params)
            body["reply_markup"] = markup
            self.p.store.record(CHANNEL, chat_id, "editMessageReplyMarkup", body, int(message.id))
        return ok(self.message_json(message))

    def m_deletemessage(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        chat_id, message = self._own_message(params, "delete")
        if time.time() - message.time > 48 * 3600:
            raise bad("message can't be deleted")
        with self.p.store.lock:
            message.deleted = True
            self.p.store.touch(message)
            self.p.store.record(CHANNEL, chat_id, "deleteMessage", dict(params), int(message.id))
        return ok(True)

    def m_sendchataction(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        chat_id = _chat_id(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        if self.p.store.is_blocked(CHANNEL, chat_id):
            raise error(403, "Forbidden: bot was blocked by the user")
        self.p.store.set_typing(CHANNEL, chat_id, 5.0)
        self.p.store.record(CHANNEL, chat_id, "sendChatAction", dict(params))
        return ok(True)

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        """(scope type, language code): what each list of the bot's commands is kept under."""
        scope = _json_param(params, "scope")
        scope_type = str(scope.get("type") or "") if isinstance(scope, dict) else "default"
        if scope is not None and not isinstance(scope, dict):
            raise bad("can't parse BotCommandScope JSON object")
        if scope_type not in {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}:
            raise bad("unsupported bot command scope")  # chat-bound scopes are not used by the bank
        language = str(params.get("language_code") or "")
        if not LANGUAGE_CODE_RE.match(language):
            raise bad("invalid language code specified")
        return scope_type, language

    def m_setmycommands(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        commands = _json_param(params, "commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        if len(commands) > BOT_COMMANDS_LIMIT:
            raise bad("BOT_COMMANDS_TOO_MUCH")
        kept: list[JSON] = []
        for entry in commands:
            if not isinstance(entry, dict):
                raise bad("can't parse BotCommand: BotCommand must be an Object")
            command, description = entry.get("command"), entry.get("description")
            if not isinstance(command, str) or not BOT_COMMAND_RE.match(command):
                raise bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= BOT_COMMAND_DESCRIPTION_LIMIT:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
            kept.append({"command": command, "description": description})
        key = self._commands_key(params)
        with self.p.store.lock:
            if kept:
                self.p.store.bot_commands[key] = kept
            else:  # an empty list clears them, as deleteMyCommands does
                self.p.store.bot_commands.pop(key, None)
            self.p.store.record(CHANNEL, None, "setMyCommands", {"commands": kept, "language_code": key[1]})
        return ok(True)

    def m_getmycommands(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        key = self._commands_key(params)
        with self.p.store.lock:
            return ok([dict(entry) for entry in self.p.store.bot_commands.get(key, [])])

    def m_deletemycommands(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        key = self._commands_key(params)
        with self.p.store.lock:
            self.p.store.bot_commands.pop(key, None)
            self.p.store.record(CHANNEL, None, "deleteMyCommands", {"language_code": key[1]})
        return ok(True)

    def m_answercallbackquery(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        query_id = str(params.get("callback_query_id") or "")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad("MESSAGE_TOO_LONG")
        with self.p.store.lock:
            found = self.p.store.callback_queries.pop(query_id, None)
            if found is None:
                raise bad("query is too old and response timeout expired or query ID is invalid")
            chat_id, _ = found
            if text or params.get("url"):
                self.p.store.set_toast(
                    CHANNEL,
                    chat_id,
                    {"text": text or "", "show_alert": _bool(params, "show_alert"), "url": params.get("url")},
                )
            self.p.store.record(CHANNEL, chat_id, "answerCallbackQuery", dict(params))
        return ok(True)

    def m_getfile(self, params: JSON, uploads: dict[str, Upload]) -> tuple[int, JSON]:
        file_id = str(params.get("file_id") or "")
        stored = self.p.store.files.get(file_id)
        if stored is None:
            raise bad("invalid file_id")
        return ok(
            {
                "file_id": stored.id,
                "file_unique_id": stored.id[-12:],
                "file_size": len(stored.data),
                "file_path": f"photos/{stored.id}",
            }
        )
