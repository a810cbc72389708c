"""The receipt picture for a transfer, a top-up, a payment or the month's cashback paid: a paper slip 900 px wide.

The slip is as tall as its rows need (at most `MAX_HEIGHT`): the layout runs once without a pen to
measure, then draws.
"""

from __future__ import annotations

from typing import Final, Literal

from PIL import Image, ImageDraw, ImageFilter

from messenger_bank.images.drawing import (
    RGB,
    ellipsize,
    fitted_font,
    hex_rgb,
    png_bytes,
    vertical_gradient,
    wrap,
)
from messenger_bank.images.fonts import font
from messenger_bank.images.formatting import format_datetime
from messenger_bank.images.labels import Labels, labels
from messenger_bank.images.models import OperationKind, OperationStatus, ReceiptRequest
from messenger_bank.money import format_money
from messenger_bank.observability import logger

WIDTH: Final = 900
MAX_HEIGHT: Final = 1400
BANK_NAME: Final = "Messenger Bank"
_PAPER: Final = (44, 36, 856)  # left, top, right; the bottom follows the content
_TEETH: Final = 18
_PAD: Final = 56
_INK: Final = hex_rgb("#111827")
_MUTED: Final = hex_rgb("#6B7280")
_RULE: Final = hex_rgb("#D1D5DB")
_STATUS_COLOUR: Final[dict[OperationStatus, RGB]] = {
    "completed": hex_rgb("#16A34A"),
    "pending": hex_rgb("#D97706"),
    "failed": hex_rgb("#DC2626"),
    "refunded": hex_rgb("#2563EB"),
}


def receipt_picture(request: ReceiptRequest) -> bytes:
    """The receipt's PNG, with every label in the customer's language."""
    words = labels(request.language)
    rows = _rows(request, words)
    footer = font(22)
    footer_lines = wrap(words["receipt_footer"], footer, _PAPER[2] - _PAPER[0] - 2 * _PAD)
    rows_end = _ROWS_TOP + sum(_row(None, label, value, 0, strong=strong) for label, value, strong in rows)
    bottom = rows_end + 50 + 32 * len(footer_lines) + 24
    image = _paper(bottom)
    pen = ImageDraw.Draw(image, "RGBA")
    left, top, right = _PAPER
    centre = (left + right) / 2

    header = vertical_gradient((right - left, 132), "#1E2A8A", "#3345B8")
    image.paste(header, (left, top))
    pen.text((left + _PAD, top + 66), BANK_NAME, font=font(36, bold=True), fill=(255, 255, 255), anchor="lm")
    pen.text((right - _PAD, top + 66), words["receipt_title"], font=font(28), fill=(220, 226, 255), anchor="rm")

    colour = _STATUS_COLOUR[request.status]
    _status_icon(pen, request.status, centre, top + 232, colour)
    kind = words[_KIND_LABEL[request.kind]]
    pen.text((centre, top + 330), kind, font=font(34, bold=True), fill=_INK, anchor="mm")
    amount = format_money(request.amount, request.currency, request.language)
    pen.text(
        (centre, top + 410),
        amount,
        font=fitted_font(amount, 700, size=68, min_size=36, bold=True),
        fill=_INK,
        anchor="mm",
    )
    pen.text(
        (centre, top + 480),
        words[_STATUS_LABEL[request.status]],
        font=font(28, bold=True),
        fill=colour,
        anchor="mm",
    )

    _dashed(pen, left + _PAD, right - _PAD, _ROWS_TOP - 34)
    y = _ROWS_TOP
    for label, value, strong in rows:
        y += _row(pen, label, value, y, strong=strong)
    _dashed(pen, left + _PAD, right - _PAD, y + 6)

    line_y = y + 50
    for line in footer_lines:
        pen.text((centre, line_y), line, font=footer, fill=_MUTED, anchor="mm")
        line_y += 32
    logger.debug("receipt rendered", extra={"kind": request.kind, "status": request.status})
    return png_bytes(image)


_ROWS_TOP: Final = _PAPER[1] + 574
_KIND_LABEL: Final[dict[OperationKind, Literal["kind_transfer", "kind_top_up", "kind_payment", "kind_cashback"]]] = {
    "transfer": "kind_transfer",
    "top_up": "kind_top_up",
    "payment": "kind_payment",
    "cashback": "kind_cashback",
}
_STATUS_LABEL: Final[
    dict[OperationStatus, Literal["status_completed", "status_pending", "status_failed", "status_refunded"]]
] = {
    "completed": "status_completed",
    "pending": "status_pending",
    "failed": "status_failed",
    "refunded": "status_refunded",
}


def _rows(request: ReceiptRequest, words: Labels) -> list[tuple[str, str, bool]]:
    def money(minor: int) -> str:
        return format_money(minor, request.currency, request.language)

    rows = [
        (words["date_time"], format_datetime(request.local_time, request.language), False),
        (words["amount"], money(request.amount), False),
        (words["fee"], money(request.fee), False),
        (words["total"], money(request.total), True),
    ]
    if request.from_masked:
        rows.append((words["source"], request.from_masked, False))
    if request.to_masked:
        rows.append((words["destination"], request.to_masked, False))
    if request.details:
        rows.append((words["details"], request.details, False))
    rows.append((words["operation_id"], request.operation_id, False))
    return rows


def _row(pen: ImageDraw.ImageDraw | None, label: str, value: str, y: int, *, strong: bool) -> int:
    """Label on the left, value on the right, a long value on two lines; returns the row's height.

    Without a pen it only measures.
    """
    left, _, right = _PAPER
    label_face = font(25)
    value_face = font(27, bold=strong)
    room = right - left - 2 * _PAD - label_face.getlength(label) - 40
    lines = wrap(value, value_face, room)
    if len(lines) > 2 or any(value_face.getlength(line) > room for line in lines):
        value_face = fitted_font(value, room, size=27, min_size=20, bold=strong)
        lines = wrap(value, value_face, room)
    lines = lines[:2]
    if pen is not None:
        pen.text((left + _PAD, y), label, font=label_face, fill=_MUTED, anchor="la")
        for number, line in enumerate(lines):
            text = ellipsize(line, value_face, room)
            pen.text((right - _PAD, y + 38 * number), text, font=value_face, fill=_INK, anchor="ra")
    return 38 * len(lines) + 26


def _paper(bottom: int) -> Image.Image:
    """A white slip with a soft shadow and a torn (zigzag) bottom edge on a light background."""
    left, top, right = _PAPER
    bottom = min(bottom, MAX_HEIGHT - 36 - _TEETH)
    size = (WIDTH, bottom + _TEETH + 36)
    teeth = _TEETH
    outline: list[tuple[float, float]] = [
        (left, top + 16),
        (left + 16, top),
        (right - 16, top),
        (right, top + 16),
        (right, bottom),
    ]
    x: float = right
    step = (right - left) / round((right - left) / (2 * teeth))
    while x > left + 0.5:
        outline += [(x - step / 2, bottom + teeth), (x - step, bottom)]
        x -= step
    shadow = Image.new("L", size, 0)
    ImageDraw.Draw(shadow).polygon([(px, py + 6) for px, py in outline], fill=90)
    shadow = shadow.filter(ImageFilter.GaussianBlur(10))
    image = Image.new("RGB", size, hex_rgb("#E9EDF3"))
    image.paste(Image.new("RGB", size, hex_rgb("#9AA3B2")), (0, 0), shadow)
    ImageDraw.Draw(image).polygon(outline, fill=(255, 255, 255))
    return image


def _dashed(pen: ImageDraw.ImageDraw, x0: int, x1: int, y: int) -> None:
    for x in range(x0, x1, 18):
        pen.line((x, y, min(x + 10, x1), y), fill=_RULE, width=2)


def _status_icon(pen: ImageDraw.ImageDraw, status: OperationStatus, cx: float, cy: float, colour: RGB) -> None:
    """A tinted disc with a drawn sign: ✓ completed, clock hands pending, ✕ failed, ↺ refunded."""
    radius = 54
    pen.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(*colour, 38))
    inner = 40
    pen.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), fill=colour)
    white = (255, 255, 255)
    if status == "completed":
        pen.line([(cx - 18, cy + 1), (cx - 5, cy + 14), (cx + 19, cy - 12)], fill=white, width=8, joint="curve")
    elif status == "failed":
        pen.line((cx - 14, cy - 14, cx + 14, cy + 14), fill=white, width=8)
        pen.line((cx - 14, cy + 14, cx + 14, cy - 14), fill=white, width=8)
    elif status == "pending":
        pen.line((cx, cy, cx, cy - 20), fill=white, width=7)
        pen.line((cx, cy, cx + 15, cy + 8), fill=white, width=7)
    else:
        pen.arc((cx - 20, cy - 20, cx + 20, cy + 20), start=-200, end=90, fill=white, width=7)
        pen.polygon([(cx - 30, cy - 8), (cx - 12, cy - 8), (cx - 21, cy + 6)], fill=white)
