"""The fake platforms' memory: recorded calls, conversations, faults, files, webhook settings."""

from __future__ import annotations

import base64
import itertools
import math
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# WhatsApp's and Messenger's customer-service window: free-form messages only within 24 h of the user's.
WINDOW_SECONDS = 24 * 3600
# Viber's send_message: at most 100 messages to one user within an hour without a reply; the user's message
# starts the count again (creators.viber.com/docs/bots-api, Send a Message). The fake's own copy of the
# platform's rule, so that it checks the bank's count rather than repeating it.
VIBER_CAP = 100
VIBER_CAP_SECONDS = 3600

# The send rates the fakes refuse beyond, as the platforms publish them (read from their documentation, not
# from the bank's limiter): (channel, "bot" | "chat") -> (the most calls, in any window of so many seconds).
RATE_LIMITS: dict[tuple[str, str], tuple[int, float]] = {
    ("telegram", "bot"): (30, 1.0),  # about 30 messages per second in total
    ("telegram", "chat"): (5, 1.0),  # about one per second to a chat, "short bursts tolerated" (not numbered)
    ("whatsapp", "bot"): (80, 1.0),  # 80 messages per second per number (130429 beyond)
    ("whatsapp", "chat"): (45, 6.0),  # one per 6 s to a user, bursts of up to 45 in 6 s (131056 beyond)
    ("messenger", "bot"): (300, 1.0),  # 300 calls per second per page (613 beyond)
}


@dataclass
class ChatMessage:
    """One message of a conversation, bot's or user's, in its current state (edits applied)."""

    seq: int
    channel: str
    chat_id: str
    id: str
    sender: str  # "bot" | "user"
    kind: str  # text, photo, document, contact, location, button, template, interactive, ...
    text: str | None = None
    markup: Any = None  # the platform's own keyboard / buttons structure, verbatim
    media: JSON | None = None  # {"url", "name", "caption", "mime_type"}
    extra: JSON = field(default_factory=dict)  # parse_mode, tracking_data, payload, ...
    time: float = field(default_factory=time.time)
    edited: bool = False
    deleted: bool = False
    version: int = 0

    def to_json(self) -> JSON:
        return {
            "seq": self.seq,
            "channel": self.channel,
            "chat_id": self.chat_id,
            "id": self.id,
            "from": self.sender,
            "kind": self.kind,
            "text": self.text,
            "markup": self.markup,
            "media": self.media,
            "extra": self.extra,
            "time": self.time,
            "edited": self.edited,
            "deleted": self.deleted,
        }


@dataclass
class Record:
    """One accepted call of the bot to a platform API."""

    seq: int
    channel: str
    chat_id: str | None
    method: str
    body: JSON
    time: float
    message_id: str | int | None
    message: ChatMessage | None = None
    # Accepted, then failed on the platform's side (WhatsApp's status webhook): never shown in the chat.
    failed: JSON | None = None

    def to_json(self) -> JSON:
        out: JSON = {
            "seq": self.seq,
            "channel": self.channel,
            "chat_id": self.chat_id,
            "method": self.method,
            "body": self.body,
            "time": self.time,
            "message_id": self.message_id,
        }
        if self.failed is not None:
            out["failed"] = self.failed
        if self.message is not None:
            out["edited"] = self.message.edited
            out["deleted"] = self.message.deleted
            out["current"] = self.message.to_json()
        return out


@dataclass
class Fault:
    """Make the next `remaining` calls of a channel (optionally one chat) fail."""

    channel: str
    chat_id: str | None
    remaining: int
    kind: str  # "rate_limit" | "server_error"
    retry_after: int = 1


@dataclass
class WebhookSetting:
    url: str
    secret_token: str | None = None
    explicit: bool = False  # set through the platform's API (setWebhook / set_webhook) or /_webhooks
    deleted: bool = False  # Telegram deleteWebhook: getWebhookInfo shows no url
    allowed_updates: list[str] = field(default_factory=list)
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class StoredFile:
    id: str
    data: bytes
    mime_type: str
    name: str


class Store:
    """Thread-safe; every public method takes the lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clock = time.monotonic  # the send rates' clock: a test may stop it
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self._seq = itertools.count(1)
            self.records: list[Record] = []
            self.conversations: dict[tuple[str, str], list[ChatMessage]] = {}
            self.version = 0
            self.tg_message_ids: dict[str, int] = {}
            self.tg_update_id = 700_000_000 + int.from_bytes(os.urandom(2), "big")
            self.viber_token = 5_000_000_000_000_000_000 + int.from_bytes(os.urandom(4), "big")
            self.callback_queries: dict[str, tuple[str, str]] = {}
            self.viber_subscribed: set[str] = set()
            self.blocked: set[tuple[str, str]] = set()
            self.faults: list[Fault] = []
            self.files: dict[str, StoredFile] = {}
            self.typing: dict[tuple[str, str], float] = {}
            self.toasts: dict[tuple[str, str], JSON] = {}
            self.users: dict[tuple[str, str], JSON] = {}
            self.messenger_get_started: str = "GET_STARTED"
            self.messenger_profile: JSON = {}
            # Telegram setMyCommands: (scope type, language code or "") → BotCommand objects.
            self.bot_commands: dict[tuple[str, str], list[JSON]] = {}
            self.webhook_overrides: dict[str, WebhookSetting] = {}
            # When each user last wrote (WhatsApp's and Messenger's 24 h customer-service window).
            self.last_user_message: dict[tuple[str, str], float] = {}
            # Viber: when each bot message since the user's last message went (the cap counts the last hour's).
            self.viber_unanswered: dict[str, list[float]] = {}
            # The calls counted against RATE_LIMITS: (channel, scope, chat id or "") -> monotonic times.
            self.rate_calls: dict[tuple[str, str, str], deque[float]] = {}
            self.rates_enforced = True  # POST /_faults {"rates": false} for a test about something else

    # ids -------------------------------------------------------------------------------------
    def next_seq(self) -> int:
        with self.lock:
            return next(self._seq)

    def next_tg_message_id(self, chat_id: str) -> int:
        with self.lock:
            value = self.tg_message_ids.get(chat_id, 0) + 1
            self.tg_message_ids[chat_id] = value
            return value

    def next_tg_update_id(self) -> int:
        with self.lock:
            self.tg_update_id += 1
            return self.tg_update_id

    def next_viber_token(self) -> int:
        with self.lock:
            self.viber_token += 1 + int.from_bytes(os.urandom(2), "big")
            return self.viber_token

    @staticmethod
    def wamid() -> str:
        return "wamid." + base64.b64encode(b"HBgL" + os.urandom(30)).decode()

    @staticmethod
    def mid() -> str:
        return "m_" + base64.urlsafe_b64encode(os.urandom(48)).decode().rstrip("=")

    # conversations ------------------------------------------------------------------------------
    def add_message(self, message: ChatMessage) -> ChatMessage:
        with self.lock:
            if message.sender == "user":
                self.last_user_message[(message.channel, message.chat_id)] = message.time
                if message.channel == "viber":
                    self.viber_unanswered.pop(message.chat_id, None)
            self.conversations.setdefault((message.channel, message.chat_id), []).append(message)
            self.version += 1
            message.version = self.version
            return message

    def window_open(self, channel: str, chat_id: str) -> bool:
        """Whether the user wrote within the last 24 hours (free-form messages allowed)."""
        with self.lock:
            wrote = self.last_user_message.get((channel, chat_id))
            return wrote is not None and time.time() - wrote < WINDOW_SECONDS

    def close_window(self, channel: str, chat_id: str) -> None:
        """As if the user's last message were a second over 24 hours old (a test need not wait a day)."""
        with self.lock:
            self.last_user_message[(channel, chat_id)] = time.time() - WINDOW_SECONDS - 1

    def viber_cap_reached(self, chat_id: str) -> bool:
        """Whether Viber refuses one more bot message to this user now (100 within the hour, no reply)."""
        with self.lock:
            hour_ago = time.time() - VIBER_CAP_SECONDS
            return sum(1 for sent in self.viber_unanswered.get(chat_id, []) if sent > hour_ago) >= VIBER_CAP

    def viber_sent(self, chat_id: str) -> None:
        with self.lock:
            self.viber_unanswered.setdefault(chat_id, []).append(time.time())

    def spend_viber_cap(self, chat_id: str, count: int = VIBER_CAP) -> None:
        """As if `count` bot messages had just gone to this user without a reply (a test need not send 100)."""
        with self.lock:
            self.viber_unanswered.setdefault(chat_id, []).extend([time.time()] * count)

    def find_message(self, channel: str, chat_id: str, message_id: str) -> ChatMessage | None:
        with self.lock:
            for message in reversed(self.conversations.get((channel, chat_id), [])):
                if message.id == message_id:
                    return message
            return None

    def touch(self, message: ChatMessage) -> None:
        with self.lock:
            self.version += 1
            message.version = self.version

    def conversation(self, channel: str, chat_id: str) -> list[ChatMessage]:
        with self.lock:
            return list(self.conversations.get((channel, chat_id), []))

    def last_bot_message(self, channel: str, chat_id: str) -> ChatMessage | None:
        with self.lock:
            for message in reversed(self.conversations.get((channel, chat_id), [])):
                if message.sender == "bot" and not message.deleted:
                    return message
            return None

    # recording --------------------------------------------------------------------------------
    def record(
        self,
        channel: str,
        chat_id: str | None,
        method: str,
        body: JSON,
        message_id: str | int | None = None,
        message: ChatMessage | None = None,
    ) -> Record:
        with self.lock:
            rec = Record(self.next_seq(), channel, chat_id, method, body, time.time(), message_id, message)
            self.records.append(rec)
            self.version += 1
            return rec

    def recorded(self, channel: str | None = None, chat_id: str | None = None) -> list[JSON]:
        with self.lock:
            return [
                r.to_json()
                for r in self.records
                if (channel is None or r.channel == channel) and (chat_id is None or r.chat_id == chat_id)
            ]

    # faults -----------------------------------------------------------------------------------
    def is_blocked(self, channel: str, chat_id: str | None) -> bool:
        with self.lock:
            return chat_id is not None and (channel, chat_id) in self.blocked

    def take_fault(self, channel: str, chat_id: str | None) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.channel == channel and fault.remaining > 0 and fault.chat_id in (None, chat_id):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self.faults.remove(fault)
                    return fault
            return None

    def over_rate(self, channel: str, chat_id: str | None) -> tuple[str, int] | None:
        """Whether one more call would exceed the channel's published rates (`rates_enforced`): None when
        it would not, else the scope it exceeds ("bot" or "chat") and the whole seconds until it would pass."""
        now = self.clock()
        with self.lock:
            if not self.rates_enforced:
                return None
            for scope, calls, (most, seconds) in self._rate_windows(channel, chat_id):
                while calls and calls[0] <= now - seconds:
                    calls.popleft()
                if len(calls) >= most:
                    return scope, max(1, math.ceil(calls[0] + seconds - now))
            return None

    def count_rate(self, channel: str, chat_id: str | None) -> None:
        """Count one accepted call against the channel's rates (a refused one is not counted)."""
        now = self.clock()
        with self.lock:
            for _, calls, _ in self._rate_windows(channel, chat_id):
                calls.append(now)

    def _rate_windows(self, channel: str, chat_id: str | None) -> list[tuple[str, deque[float], tuple[int, float]]]:
        windows = []
        for scope, key in (("bot", ""), ("chat", chat_id)):
            limit = RATE_LIMITS.get((channel, scope))
            if limit is not None and key is not None:
                windows.append((scope, self.rate_calls.setdefault((channel, scope, key), deque()), limit))
        return windows

    # files ------------------------------------------------------------------------------------
    def put_file(self, data: bytes, mime_type: str, name: str, prefix: str = "f") -> StoredFile:
        with self.lock:
            file_id = f"{prefix}{len(self.files) + 1:06d}" + base64.urlsafe_b64encode(os.urandom(9)).decode()
            stored = StoredFile(file_id, data, mime_type, name)
            self.files[file_id] = stored
            return stored

    def set_typing(self, channel: str, chat_id: str, seconds: float) -> None:
        with self.lock:
            self.typing[(channel, chat_id)] = time.time() + seconds
            self.version += 1

    def set_toast(self, channel: str, chat_id: str, toast: JSON) -> None:
        with self.lock:
            self.toasts[(channel, chat_id)] = {**toast, "time": time.time()}
            self.version += 1
