"""The secure page's request, read from the HTTP request its edge hands it."""

from __future__ import annotations

from typing import Final, Literal
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.http import HttpRequest

PagePurpose = Literal["pin", "password", "confirm", "signin", "card", "details"]
# A form of two PINs or two passwords, or a card, and Telegram's initData (at most 4 KB) fits in 8 KB.
MAX_FORM_BYTES: Final = 8 * 1024
FORM_FIELDS: Final = frozenset(
    {"pin", "pin_confirm", "password", "password_confirm", "confirm", "card_number", "card_expiry", "init_data"}
)


class MalformedRequest(Exception):
    """The request is not one the page understands: a clear 4xx, never a 500."""

    def __init__(self, reason: str, *, status: int) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class PageRequest(BaseModel):
    """What the page needs from one request. Secret fields are hidden from repr."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    method: Literal["GET", "POST"]
    purpose: str
    token: str | None = Field(default=None, repr=False)
    card_id: str = ""
    language: Literal["ru", "en"] = "ru"
    form: dict[str, str] = Field(default_factory=dict, repr=False)

    @classmethod
    def from_http(cls, request: HttpRequest) -> PageRequest:
        """Read the request; raises ``MalformedRequest`` (400 / 405 / 413 / 415) for what cannot be read."""
        if request.method not in ("GET", "POST"):
            raise MalformedRequest("method not allowed", status=405)
        query = _single_values(request.raw_query)
        form = _form(request.body, request.headers) if request.method == "POST" else {}
        return cls(
            method=request.method,
            purpose=request.path_parameters.get("purpose", ""),
            token=query.get("t") or None,
            card_id=query.get("card", "")[:64],
            language=_language(request.headers.get("accept-language", "")),
            form=form,
        )


def _single_values(query: str) -> dict[str, str]:
    """The query's parameters; a repeated ``t`` or ``card`` is refused (no guessing which one counts)."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=20)
    except ValueError:
        raise MalformedRequest("malformed query", status=400) from None
    values: dict[str, str] = {}
    for key, value in pairs:
        if key in values and key in ("t", "card"):
            raise MalformedRequest("repeated parameter", status=400)
        values.setdefault(key, value)
    return values


def _form(body: bytes, headers: dict[str, str]) -> dict[str, str]:
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise MalformedRequest("the page posts a form", status=415)
    if len(body) > MAX_FORM_BYTES:
        raise MalformedRequest("form too large", status=413)
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=len(FORM_FIELDS), errors="strict"
        )
    except (UnicodeError, ValueError):
        raise MalformedRequest("malformed form", status=400) from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key not in FORM_FIELDS:
            continue
        if key in form:
            raise MalformedRequest("repeated field", status=400)
        form[key] = value
    return form


def _language(accept_language: str) -> Literal["ru", "en"]:
    # The reader's first choice is the one the header starts with (no need to split the list to read it).
    return "en" if accept_language.strip().lower().startswith("en") else "ru"
