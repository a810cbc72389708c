"""A card account's monthly statement as a document: one A4 page as a PDF, drawn as the requisites are.

The figures the customer acts on (amount due, minimum payment, due date) are also selectable text over
where the picture shows them. The operation lines are the history's (counterparties already masked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from PIL import Image, ImageDraw

from messenger_bank.conversation.catalogue import text
from messenger_bank.images.drawing import ellipsize, hex_rgb, vertical_gradient, wrap
from messenger_bank.images.fonts import font
from messenger_bank.images.formatting import format_date
from messenger_bank.images.pdf import TextSpot, page_pdf
from messenger_bank.types import Language

PAGE_PIXELS: Final = (1240, 1754)  # A4 at 150 dpi
BANK_NAME: Final = "Messenger Bank"
MAX_LINES: Final = 12
_MARGIN: Final = 110
_INK: Final = hex_rgb("#111827")
_MUTED: Final = hex_rgb("#6B7280")
_RULE: Final = hex_rgb("#E5E7EB")
_ACCENT: Final = hex_rgb("#2F3FB0")


@dataclass(frozen=True)
class StatementPage:
    """What the page prints, already written for the customer (money, dates, the terms' sentence)."""

    language: Language
    period: str
    issued_on: date
    opening_balance: str
    closing_balance: str
    credit_limit: str
    interest: str
    fees: str
    amount_due: str
    minimum_payment: str
    due_date: str
    terms: str
    lines: tuple[str, ...]


def _selectable(value: str) -> str:
    # Money is written with no-break spaces; the PDF's text layer is ASCII (images/pdf.py).
    return value.replace("\xa0", " ").replace("\u202f", " ")


def statement_pdf(page_text: StatementPage) -> bytes:
    """The page: the bank's band, the title and period, the month's figures, what is due, the operations."""
    language = page_text.language
    width, height = PAGE_PIXELS
    page = Image.new("RGB", PAGE_PIXELS, (255, 255, 255))
    page.paste(vertical_gradient((width, 170), "#1E2A8A", "#3345B8"), (0, 0))
    pen = ImageDraw.Draw(page)
    pen.text((_MARGIN, 85), BANK_NAME, font=font(52, bold=True), fill=(255, 255, 255), anchor="lm")
    title = text("card_statement.title", language)
    pen.text((_MARGIN, 230), title, font=font(54, bold=True), fill=_INK)
    pen.text((_MARGIN, 305), page_text.period, font=font(32), fill=_INK)
    issued = f"{text('statement.issued_on', language)}: {format_date(page_text.issued_on, language)}"
    pen.text((_MARGIN, 355), issued, font=font(26), fill=_MUTED)

    spots: list[TextSpot] = []
    label_face, value_face, key_face = font(28), font(30, bold=True), font(36, bold=True)
    y = 420
    rows = [
        ("card_statement.opening_balance", page_text.opening_balance, False),
        ("card_statement.closing_balance", page_text.closing_balance, False),
        ("card_statement.credit_limit", page_text.credit_limit, False),
        ("card_statement.interest", page_text.interest, False),
        ("card_statement.fees", page_text.fees, False),
        ("card_statement.amount_due", page_text.amount_due, True),
        ("card_statement.minimum_payment", page_text.minimum_payment, True),
        ("card_statement.due_date", page_text.due_date, True),
    ]
    for key, value, important in rows:
        pen.line((_MARGIN, y, width - _MARGIN, y), fill=_RULE, width=2)
        face = key_face if important else value_face
        pen.text((_MARGIN, y + 16), text(key, language), font=label_face, fill=_MUTED)
        right = width - _MARGIN
        pen.text((right, y + 14), value, font=face, fill=_ACCENT if important else _INK, anchor="ra")
        if important:
            left, top, box_right, bottom = pen.textbbox((right, y + 14), value, font=face, anchor="ra")
            spots.append(TextSpot(_selectable(value), (left, top, box_right - left, bottom - top)))
        y += 64
    pen.line((_MARGIN, y, width - _MARGIN, y), fill=_RULE, width=2)

    y += 30
    for line in wrap(page_text.terms, font(26), width - 2 * _MARGIN)[:4]:
        pen.text((_MARGIN, y), line, font=font(26), fill=_MUTED)
        y += 36
    y += 24
    pen.text((_MARGIN, y), text("card_statement.operations", language), font=font(34, bold=True), fill=_INK)
    y += 60
    face = font(26)
    lines = page_text.lines or (text("history.none", language),)
    for line in lines[:MAX_LINES]:
        pen.line((_MARGIN, y, width - _MARGIN, y), fill=_RULE, width=2)
        pen.text((_MARGIN, y + 12), ellipsize(line, face, width - 2 * _MARGIN), font=face, fill=_INK)
        y += 52
    pen.line((_MARGIN, y, width - _MARGIN, y), fill=_RULE, width=2)
    pen.rectangle((0, height - 24, width, height), fill=_ACCENT)
    return page_pdf(page, title=title, spots=tuple(spots))
