"""Secrets of the fake platforms and how a chat-page user maps onto each platform's own ids."""

from __future__ import annotations

import base64
import os
import re
import zlib
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Channel = Literal["telegram", "viber", "whatsapp", "messenger"]
CHANNELS: tuple[Channel, ...] = ("telegram", "viber", "whatsapp", "messenger")

# Development defaults; each is overridden by the environment variable of the same name in upper case
# (see README.md). They are not secrets: they only exist on 127.0.0.1.
DEFAULTS: dict[str, str] = {
    "telegram_bot_token": "1000000001:AAdevLocalTelegramBotToken000000000",
    "telegram_secret_token": "dev-telegram-webhook-secret",
    "viber_auth_token": "4a1d5e3c2b1a0f9e-dev0viber0local-auth0token00000001",
    "meta_app_secret": "dev-meta-app-secret-0123456789abcdef",
    "meta_verify_token": "dev-meta-verify-token",
    "whatsapp_access_token": "EAAdevWhatsAppLocalAccessToken0000000000",
    "whatsapp_phone_number_id": "100000000000001",
    "messenger_page_access_token": "EAAdevMessengerLocalPageToken00000000000",
}


class PlatformSecrets(BaseModel):
    """What the fake platforms know: the tokens the bot must present and the secrets they sign with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    telegram_bot_token: str = DEFAULTS["telegram_bot_token"]
    telegram_secret_token: str = DEFAULTS["telegram_secret_token"]
    viber_auth_token: str = DEFAULTS["viber_auth_token"]
    meta_app_secret: str = DEFAULTS["meta_app_secret"]
    meta_verify_token: str = DEFAULTS["meta_verify_token"]
    whatsapp_access_token: str = DEFAULTS["whatsapp_access_token"]
    whatsapp_phone_number_id: str = DEFAULTS["whatsapp_phone_number_id"]
    messenger_page_access_token: str = DEFAULTS["messenger_page_access_token"]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PlatformSecrets:
        """Development defaults, each overridden by an exported variable (`TELEGRAM_BOT_TOKEN`, ...)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {name: env[name.upper()] for name in DEFAULTS if env.get(name.upper())}
        return cls(**values)

    @property
    def telegram_bot_id(self) -> int:
        head = self.telegram_bot_token.split(":", 1)[0]
        return int(head) if head.isdigit() else 1000000001

    @property
    def messenger_page_id(self) -> str:
        return "100000000000777"

    @property
    def whatsapp_display_phone_number(self) -> str:
        return "15550001234"


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _stable_number(value: str, digits: int) -> int:
    low = int("1" + "0" * (digits - 1))
    return low + zlib.crc32(value.encode()) % (9 * low)


def platform_user_id(channel: str, user_id: str | int, phone: str | None = None) -> str:
    """The id under which the platform knows the chat-page user `user_id` (the one-to-one chat id).

    Telegram: the numeric id itself (or a stable number for a non-numeric id); Viber: base64 of
    "viber-<id>"; WhatsApp: the phone's digits (the wa_id), else a stable number; Messenger: a
    16-digit page-scoped id.
    """
    raw = str(user_id)
    if channel == "telegram":
        return raw if raw.isdigit() and len(raw) < 16 else str(_stable_number(raw, 10))
    if channel == "viber":
        return base64.b64encode(f"viber-{raw}".encode()).decode()
    if channel == "whatsapp":
        if phone and _digits(phone):
            return _digits(phone)
        return raw if raw.isdigit() else str(_stable_number(raw, 12))
    if channel == "messenger":
        if raw.isdigit() and len(raw) < 10:
            return str(7_000_000_000_000_000 + int(raw))
        return raw if raw.isdigit() else str(_stable_number(raw, 16))
    raise ValueError(f"unknown channel {channel!r}")
