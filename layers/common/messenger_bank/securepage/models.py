"""The secure page's request, read from an HTTP API (payload 2.0) event, and its answer."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Final, Literal
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field

PagePurpose = Literal["pin", "password", "confirm"]
# A form of two PINs or two passwords and Telegram's initData (at most 4 KB) fits in 8 KB.
MAX_FORM_BYTES: Final = 8 * 1024
FORM_FIELDS: Final = frozenset({"pin", "pin_confirm", "password", "password_confirm", "confirm", "init_data"})


class MalformedRequest(Exception):
    """The request is not one the page understands: a clear 4xx, never a 500."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class PageRequest(BaseModel):
    """What the page needs from one request. Secret fields are hidden from repr."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["GET", "POST"]
    purpose: str
    token: str | None = Field(default=None, repr=False)
    card_id: str = ""
    language: Literal["ru", "en"] = "ru"
    form: dict[str, str] = Field(default_factory=dict, repr=False)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> PageRequest:
        """Read an HTTP API event; raises ``MalformedRequest`` (400 / 405 / 413 / 415) for what cannot be read."""
        if not isinstance(event, dict):
            raise MalformedRequest(400, "not an HTTP event")
        context = event.get("requestContext") or {}
        method = str(((context.get("http") or {}) if isinstance(context, dict) else {}).get("method", "")).upper()
        if method not in ("GET", "POST"):
            raise MalformedRequest(405, "method not allowed")
        path = event.get("pathParameters") or {}
        purpose = str(path.get("purpose", "")) if isinstance(path, dict) else ""
        query = _single_values(str(event.get("rawQueryString") or ""))
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        form: dict[str, str] = {}
        if method == "POST":
            form = _form(event, headers)
        return cls(
            method=method,
            purpose=purpose,
            token=query.get("t") or None,
            card_id=query.get("card", "")[:64],
            language=_language(headers.get("accept-language", "")),
            form=form,
        )


def _single_values(query: str) -> dict[str, str]:
    """The query's parameters; a repeated ``t`` or ``card`` is refused (no guessing which one counts)."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=20)
    except ValueError:
        raise MalformedRequest(400, "malformed query") from None
    values: dict[str, str] = {}
    for key, value in pairs:
        if key in values and key in ("t", "card"):
            raise MalformedRequest(400, "repeated parameter")
        values.setdefault(key, value)
    return values


def _form(event: dict[str, Any], headers: dict[str, str]) -> dict[str, str]:
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise MalformedRequest(415, "the page posts a form")
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise MalformedRequest(400, "malformed body")
    if len(body) > MAX_FORM_BYTES * 2:
        raise MalformedRequest(413, "form too large")
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode("utf-8")
        if len(raw) > MAX_FORM_BYTES:
            raise MalformedRequest(413, "form too large")
        text = raw.decode("utf-8")
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=len(FORM_FIELDS), errors="strict"
        )
    except (binascii.Error, UnicodeError, ValueError):
        raise MalformedRequest(400, "malformed form") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key not in FORM_FIELDS:
            continue
        if key in form:
            raise MalformedRequest(400, "repeated field")
        form[key] = value
    return form


def _language(accept_language: str) -> Literal["ru", "en"]:
    first = accept_language.split(",", 1)[0].strip().lower()
    return "en" if first.startswith("en") else "ru"


class PageAnswer(BaseModel):
    """An HTTP API (payload 2.0) response with the page's security headers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    statusCode: int
    body: str
    headers: dict[str, str]
