"""The partner offers picture: a headline band, then one tile per offer, two a row, 1080 px wide.

A tile is the partner's colour with, on it, the partner's picture on a white square (its initials when
there is none), the partner's name, the cashback rate and the offer's title in the partner's text
colour. ``tile_box`` and ``picture_box`` say where each lands (the tests read pixels there).
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from messenger_bank.images.drawing import diagonal_gradient, ellipsize, fitted_font, hex_rgb, png_bytes, wrap
from messenger_bank.images.fonts import font
from messenger_bank.images.labels import labels
from messenger_bank.images.models import OffersPictureRequest, OfferTile
from messenger_bank.observability import logger

Box = tuple[int, int, int, int]

WIDTH: Final = 1080
BANK_NAME: Final = "Messenger Bank"
HEADER_HEIGHT: Final = 200
MARGIN: Final = 48
GAP: Final = 24
COLUMNS: Final = 2
TILE_WIDTH: Final = (WIDTH - 2 * MARGIN - (COLUMNS - 1) * GAP) // COLUMNS  # 480
TILE_HEIGHT: Final = 290
TILE_RADIUS: Final = 28
_PAD: Final = 24
_PICTURE_SIDE: Final = 120
_PICTURE_INSET: Final = 8
_TEXT_LEFT: Final = _PAD + _PICTURE_SIDE + 20
_TITLE_TOP: Final = _PAD + _PICTURE_SIDE + 24
_TITLE_LINES: Final = 3
_GROUND: Final = hex_rgb("#F3F4F6")
_WHITE: Final = (255, 255, 255)


def picture_size(offers: int) -> tuple[int, int]:
    """The picture's size for this many offers: the band, the rows of tiles, a margin below."""
    rows = math.ceil(offers / COLUMNS)
    return WIDTH, HEADER_HEIGHT + GAP + rows * (TILE_HEIGHT + GAP) + GAP


def tile_box(index: int) -> Box:
    """Where the ``index``-th offer's tile is: (left, top, right, bottom)."""
    row, column = divmod(index, COLUMNS)
    left = MARGIN + column * (TILE_WIDTH + GAP)
    top = HEADER_HEIGHT + GAP + row * (TILE_HEIGHT + GAP)
    return left, top, left + TILE_WIDTH, top + TILE_HEIGHT


def picture_box(index: int) -> Box:
    """Where the ``index``-th offer's white picture square is, inside its tile."""
    left, top, _, _ = tile_box(index)
    return left + _PAD, top + _PAD, left + _PAD + _PICTURE_SIDE, top + _PAD + _PICTURE_SIDE


def offers_picture(request: OffersPictureRequest) -> bytes:
    """The offers PNG: the same request gives the same bytes."""
    words = labels(request.language)
    size = picture_size(len(request.offers))
    image = Image.new("RGB", size, _GROUND)
    image.paste(_band(), (0, 0))
    pen = ImageDraw.Draw(image)
    pen.text((MARGIN, 44), BANK_NAME, font=font(32, bold=True), fill=_WHITE)
    headline = request.headline or words["offers_headline"]
    face = fitted_font(headline, WIDTH - 2 * MARGIN, size=56, min_size=36, bold=True)
    pen.text((MARGIN, 96), ellipsize(headline, face, WIDTH - 2 * MARGIN), font=face, fill=_WHITE)
    for index, offer in enumerate(request.offers):
        _tile(image, pen, index, offer)
    logger.debug("offers picture rendered", extra={"language": request.language, "offers": len(request.offers)})
    return png_bytes(image)


@lru_cache(maxsize=1)
def _band() -> Image.Image:
    """The headline band's gradient, the same on every offers picture: drawn once per cold start."""
    return diagonal_gradient((WIDTH, HEADER_HEIGHT), ("#0D1B6B", "#2F3FB0", "#1BA6C9"))


def _tile(image: Image.Image, pen: ImageDraw.ImageDraw, index: int, offer: OfferTile) -> None:
    left, top, right, bottom = tile_box(index)
    ground, ink = hex_rgb(offer.background), hex_rgb(offer.foreground)
    pen.rounded_rectangle((left, top, right - 1, bottom - 1), radius=TILE_RADIUS, fill=ground)

    square = picture_box(index)
    pen.rounded_rectangle((square[0], square[1], square[2] - 1, square[3] - 1), radius=20, fill=_WHITE)
    logo = _logo(offer.picture) if offer.picture is not None else None
    if logo is not None:
        x = square[0] + (_PICTURE_SIDE - logo.width) // 2
        y = square[1] + (_PICTURE_SIDE - logo.height) // 2
        image.paste(logo, (x, y), logo)
    else:
        _initials(pen, square, offer.partner_name, ground)

    text_width = TILE_WIDTH - _TEXT_LEFT - _PAD
    name = font(30, bold=True)
    pen.text((left + _TEXT_LEFT, top + _PAD + 8), ellipsize(offer.partner_name, name, text_width), font=name, fill=ink)
    rate = fitted_font(offer.cashback, text_width, size=68, min_size=36, bold=True)
    pen.text((left + _TEXT_LEFT, top + _PAD + 50), offer.cashback, font=rate, fill=ink)

    title = font(26)
    lines = _title_lines(offer.title, title, TILE_WIDTH - 2 * _PAD)
    for number, line in enumerate(lines):
        pen.text((left + _PAD, top + _TITLE_TOP + number * 34), line, font=title, fill=ink)


def _logo(picture: bytes) -> Image.Image | None:
    """The partner's picture fitted in the white square (its own transparency kept); ``None`` when it
    cannot be decoded after all (the initials are drawn instead)."""
    side = _PICTURE_SIDE - 2 * _PICTURE_INSET
    try:
        with Image.open(io.BytesIO(picture)) as opened:
            logo = opened.convert("RGBA")
    except (OSError, ValueError):
        logger.warning("partner picture not decoded")
        return None
    logo.thumbnail((side, side), Image.Resampling.LANCZOS)
    return logo


def _initials(pen: ImageDraw.ImageDraw, square: Box, name: str, ink: tuple[int, int, int]) -> None:
    capitals = [c for c in name if c.isupper()][:2]
    text = "".join(capitals) or name[:1].upper()
    centre = ((square[0] + square[2]) / 2, (square[1] + square[3]) / 2)
    pen.text(centre, text, font=font(52, bold=True), fill=ink, anchor="mm")


def _title_lines(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The title in at most three lines, the last one cut with an ellipsis when it does not fit."""
    lines = wrap(text, face, width)
    if len(lines) > _TITLE_LINES:
        lines = [*lines[: _TITLE_LINES - 1], " ".join(lines[_TITLE_LINES - 1 :])]
    return [ellipsize(line, face, width) for line in lines]
