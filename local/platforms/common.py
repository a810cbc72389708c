"""What the platform emulations share: the context object, webhook settings, a placeholder picture."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any

from local.platforms.config import PlatformSecrets
from local.platforms.state import JSON, Store, WebhookSetting


class ApiError(Exception):
    """An error answer of a platform API: HTTP status and the platform's own JSON body."""

    def __init__(self, status: int, body: JSON, headers: dict[str, str] | None = None) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class Platforms:
    store: Store
    secrets: PlatformSecrets
    webhook_base_url: str
    base_url: str = ""

    def webhook(self, channel: str) -> WebhookSetting:
        """Where `_send` posts for a channel: the URL set through the platform, else the default."""
        with self.store.lock:
            override = self.store.webhook_overrides.get(channel)
            if override is not None:
                return override
            secret = self.secrets.telegram_secret_token if channel == "telegram" else None
            default = WebhookSetting(url=f"{self.webhook_base_url.rstrip('/')}/webhooks/{channel}")
            default.secret_token = secret
            self.store.webhook_overrides[channel] = default
            return default

    def file_url(self, file_id: str) -> str:
        return f"{self.base_url}/_files/{file_id}"


def make_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG (stdlib only), used as the picture a chat-page user 'sends'."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b"")
    )


USER_PICTURE = make_png(320, 240, (74, 144, 226))


def as_str(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)
