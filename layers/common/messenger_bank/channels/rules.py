"""Platform-neutral rules the adapters share: text splitting, label trimming, phones, payloads, starts.

Lengths are measured in UTF-16 code units: Telegram counts that way, and for the other platforms it is
never less than the number of characters, so a text that fits by this measure fits everywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from messenger_bank.channels.errors import MalformedUpdate
from messenger_bank.channels.models import Button, OutboundMessage

# Our button payloads travel through Viber (as the text of a reply) and Messenger (quick replies and
# postbacks) with this prefix, so a press is told apart from text the customer typed and from the
# platform's own payloads (Messenger's Get Started, a shared phone number).
PAYLOAD_PREFIX = "mb:"
# The payload of a "share my phone" button where the platform already knows the phone (WhatsApp).
SHARE_PHONE_PAYLOAD = "mb:share-phone"

# Shown where a platform needs some text but the message has none (a buttons-only message).
FILLER_TEXT = "…"
DEFAULT_MORE_LABEL = "More…"
DEFAULT_LIST_LABEL = "Choose"

MAX_BODY_BYTES = 1_000_000
_MAX_TIMESTAMP_SECONDS = 32_503_680_000  # year 3000: anything later is not a real timestamp

_SEPARATORS = (
    re.compile(r"\n\s*\n"),  # paragraph
    re.compile(r"\n"),  # line
    re.compile(r"(?<=[.!?…;:])\s+"),  # sentence
    re.compile(r"\s+"),  # word
)
_START = re.compile(r"^\s*/?start(?:@\w+)?(?:[\s_:=-]+(?P<code>\S{1,64}))?\s*$", re.IGNORECASE)
_PHONE_CHARS = re.compile(r"[\s().\-‐-―/]")


def measure(text: str) -> int:
    """Length in UTF-16 code units (what Telegram counts; an upper bound of characters elsewhere)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _prefix_within(text: str, limit: int) -> int:
    """The largest index i such that measure(text[:i]) <= limit."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int) -> list[str]:
    """Split text into pieces of at most `limit` units at paragraph, line, sentence or word boundaries.

    A piece is cut hard only when a single word is longer than the limit. Whitespace at the cut is
    dropped; nothing else is lost.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text.strip()
    while rest and measure(rest) > limit:
        window = _prefix_within(rest, limit)
        cut, resume = window, window
        for separator in _SEPARATORS:
            matches = [m for m in separator.finditer(rest, 0, window + 1) if m.start() > 0]
            # Do not cut a piece shorter than a quarter of the limit when a later boundary exists.
            good = [m for m in matches if m.start() >= window // 4] or matches
            if good:
                cut, resume = good[-1].start(), good[-1].end()
                break
        head = rest[:cut].rstrip()
        if not head:  # cannot happen with a positive limit, but never loop forever
            head, resume = rest[:window], window
        pieces.append(head)
        rest = rest[resume:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def split_with_tail(text: str, limit: int, tail_limit: int) -> list[str]:
    """Like split_text, but the last piece (the one carrying buttons) is at most `tail_limit` units."""
    pieces = split_text(text, limit)
    if pieces and measure(pieces[-1]) > tail_limit:
        last = pieces.pop()
        tail_pieces = split_text(last, tail_limit)
        tail = tail_pieces[-1]
        head = last[: last.rfind(tail)].rstrip()
        pieces.extend(split_text(head, limit))
        pieces.append(tail)
    return pieces


def trim_label(label: str, limit: int) -> str:
    """A button label cut to the platform's limit, with an ellipsis when something was cut."""
    label = " ".join(label.split())
    if measure(label) <= limit:
        return label
    return label[: _prefix_within(label, limit - 1)].rstrip() + "…"


def chunked[T](items: Sequence[T], size: int) -> list[list[T]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def flat_buttons(message: OutboundMessage) -> list[Button]:
    return [button for row in message.buttons for button in row]


def button_payload(button: Button) -> str:
    """What a press of this button sends back: its payload, or its label when it has none."""
    return button.payload if button.payload is not None else button.label


def encode_payload(payload: str) -> str:
    return PAYLOAD_PREFIX + payload


def decode_payload(value: str) -> str | None:
    """Our payload back from a prefixed value, or None when the value is not one of ours."""
    if value.startswith(PAYLOAD_PREFIX) and value != SHARE_PHONE_PAYLOAD:
        return value[len(PAYLOAD_PREFIX) :]
    return None


def unique_by[T](items: Iterable[T], key: Any) -> list[T]:
    seen: set[Any] = set()
    out: list[T] = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


def normalise_phone(raw: str | None) -> str | None:
    """E.164 (`+` and 8-15 digits) from what platforms send ("375291234567", "+1 555-555-5555", "00...").

    Platforms give international numbers; a number that cannot be one (too short, letters) gives None.
    """
    if raw is None:
        return None
    value = _PHONE_CHARS.sub("", raw.strip())
    if value.startswith("00"):
        value = "+" + value[2:]
    digits = value.removeprefix("+")
    if not digits.isascii() or not digits.isdigit() or digits.startswith("0"):
        return None
    if not 8 <= len(digits) <= 15:
        return None
    return "+" + digits


def parse_start(text: str) -> tuple[bool, str | None]:
    """Recognise a start command and its deep-link payload.

    Convention, the same on every platform where the start arrives as text: ``/start <code>`` (Telegram
    deep links ``t.me/<bot>?start=<code>``), ``start <code>`` (WhatsApp ``wa.me/<number>?text=start%20<code>``
    prefilled text). A bare ``/start`` is a start without a referral; a bare ``start`` typed on WhatsApp
    stays text.
    """
    match = _START.match(text)
    if not match:
        return False, None
    code = match.group("code")
    if code is None and not text.strip().startswith("/"):
        return False, None
    return True, code


def load_json_object(raw_body: bytes, *, platform: str) -> dict[str, Any]:
    """The body as a JSON object, or MalformedUpdate (never another exception)."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise MalformedUpdate(f"{platform} update is larger than {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(raw_body)
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise MalformedUpdate(f"{platform} update is not valid JSON") from error
    if not isinstance(data, dict):
        raise MalformedUpdate(f"{platform} update is not a JSON object")
    return data


def from_seconds(value: int) -> datetime:
    if not 0 <= value <= _MAX_TIMESTAMP_SECONDS:
        raise MalformedUpdate("timestamp out of range")
    return datetime.fromtimestamp(value, UTC)


def from_millis(value: int) -> datetime:
    return from_seconds(value // 1000).replace(microsecond=(value % 1000) * 1000)


def header(headers: Any, name: str) -> str | None:
    """A header value whatever the case of its name (HTTP API v2 lower-cases them; tests may not)."""
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted and isinstance(value, str):
            return value
    return None
