"""The referral share picture: headline, a QR code of the invitation link and the code, 1080 × 1350 px."""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import qrcode
from PIL import Image, ImageDraw, ImageFont

from messenger_bank.images.drawing import diagonal_gradient, ellipsize, hex_rgb, png_bytes, soft_circles, wrap
from messenger_bank.images.fonts import font
from messenger_bank.images.labels import labels
from messenger_bank.images.models import SharePictureRequest
from messenger_bank.observability import logger

SHARE_SIZE: Final = (1080, 1350)  # 4:5, shown uncropped by all four messengers
BANK_NAME: Final = "Messenger Bank"
_MARGIN: Final = 72
_INK: Final = hex_rgb("#111827")
_MUTED: Final = hex_rgb("#6B7280")
_QR_INK: Final = hex_rgb("#0D1B6B")


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR code's modules (True = dark), quiet zone included; error correction M survives a crop."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(data)
    code.make(fit=True)
    return [[bool(module) for module in row] for row in code.get_matrix()]


def share_picture(request: SharePictureRequest) -> bytes:
    """The share PNG: bank name, headline, a white panel with the QR code and the code, the link."""
    words = labels(request.language)
    width, _ = SHARE_SIZE
    image = _background().copy()
    pen = ImageDraw.Draw(image, "RGBA")
    white = (255, 255, 255)

    pen.text((_MARGIN, 70), BANK_NAME, font=font(40, bold=True), fill=white)
    headline = request.headline or words["share_headline"]
    face, lines = _headline(headline, width - 2 * _MARGIN)
    y = 150
    for line in lines:
        pen.text((_MARGIN, y), line, font=face, fill=white)
        y += int(face.size * 1.18)

    panel_top, panel_w, panel_h = 390, 680, 790
    panel_left = (width - panel_w) // 2
    pen.rounded_rectangle(
        (panel_left + 6, panel_top + 10, panel_left + panel_w + 6, panel_top + panel_h + 10),
        radius=40,
        fill=(0, 0, 0, 40),
    )
    pen.rounded_rectangle((panel_left, panel_top, panel_left + panel_w, panel_top + panel_h), radius=40, fill=white)

    matrix = qr_matrix(request.link)
    module = 520 // len(matrix)
    side = module * len(matrix)
    qr_left, qr_top = (width - side) // 2, panel_top + 40 + (520 - side) // 2
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                x, y0 = qr_left + col_index * module, qr_top + row_index * module
                pen.rectangle((x, y0, x + module - 1, y0 + module - 1), fill=_QR_INK)

    centre = width / 2
    pen.text((centre, panel_top + 610), words["share_code"], font=font(28), fill=_MUTED, anchor="mm")
    pen.text((centre, panel_top + 680), request.code, font=font(60, bold=True), fill=_INK, anchor="mm")

    scan = font(26)
    pen.text(
        (centre, 1222),
        ellipsize(words["share_scan"], scan, width - 2 * _MARGIN),
        font=scan,
        fill=white,
        anchor="mm",
    )
    link = font(24, bold=True)
    pen.text(
        (centre, 1270),
        ellipsize(request.link, link, width - 2 * _MARGIN),
        font=link,
        fill=(255, 255, 255, 220),
        anchor="mm",
    )
    logger.debug("share picture rendered", extra={"language": request.language})
    return png_bytes(image)


@lru_cache(maxsize=1)
def _background() -> Image.Image:
    """Gradient and glow, the same on every share picture: drawn once per cold start."""
    image = diagonal_gradient(SHARE_SIZE, ("#0D1B6B", "#2F3FB0", "#1BA6C9"))
    return soft_circles(image, ((0.95, 0.0, 0.42), (0.0, 1.2, 0.35)), (255, 255, 255), 24)


def _headline(text: str, max_width: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest bold face in which the headline takes at most two lines (three at the smallest)."""
    for size in range(68, 39, -4):
        face = font(size, bold=True)
        lines = wrap(text, face, max_width)
        if len(lines) <= 2 and all(face.getlength(line) <= max_width for line in lines):
            return face, lines
    face = font(40, bold=True)
    return face, [ellipsize(line, face, max_width) for line in wrap(text, face, max_width)[:3]]
