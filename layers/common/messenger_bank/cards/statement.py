"""The history as a document: the last operations, one line each, on one A4 page as a PDF.

The lines are the ones the chat shows (counterparties already masked); nothing here sees a card
number, an IBAN or a name.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from PIL import Image, ImageDraw

from messenger_bank.conversation.catalogue import text
from messenger_bank.images.drawing import ellipsize, hex_rgb, vertical_gradient
from messenger_bank.images.fonts import font
from messenger_bank.images.formatting import format_date
from messenger_bank.images.pdf import page_pdf
from messenger_bank.types import Language

PAGE_PIXELS: Final = (1240, 1754)  # A4 at 150 dpi
BANK_NAME: Final = "Messenger Bank"
_MARGIN: Final = 110
_INK: Final = hex_rgb("#111827")
_MUTED: Final = hex_rgb("#6B7280")
_RULE: Final = hex_rgb("#E5E7EB")
_ACCENT: Final = hex_rgb("#2F3FB0")
_LINE_HEIGHT: Final = 62
MAX_LINES: Final = 22


def history_pdf(lines: list[str], language: Language, issued_on: date) -> bytes:
    """One page: the bank's band, the title, the date, then up to `MAX_LINES` operation lines."""
    width, height = PAGE_PIXELS
    page = Image.new("RGB", PAGE_PIXELS, (255, 255, 255))
    page.paste(vertical_gradient((width, 170), "#1E2A8A", "#3345B8"), (0, 0))
    title = text("statement.title", language)
    pen = ImageDraw.Draw(page)
    pen.text((_MARGIN, 85), BANK_NAME, font=font(52, bold=True), fill=(255, 255, 255), anchor="lm")
    pen.text((_MARGIN, 250), title, font=font(58, bold=True), fill=_INK)
    pen.text(
        (_MARGIN, 330),
        f"{text('statement.issued_on', language)}: {format_date(issued_on, language)}",
        font=font(28),
        fill=_MUTED,
    )
    face = font(30)
    y = 430
    for line in lines[:MAX_LINES]:
        pen.line((_MARGIN, y, width - _MARGIN, y), fill=_RULE, width=2)
        pen.text((_MARGIN, y + 14), ellipsize(line, face, width - 2 * _MARGIN), font=face, fill=_INK)
        y += _LINE_HEIGHT
    pen.line((_MARGIN, y, width - _MARGIN, y), fill=_RULE, width=2)
    pen.rectangle((0, height - 24, width, height), fill=_ACCENT)
    return page_pdf(page, title=title)
