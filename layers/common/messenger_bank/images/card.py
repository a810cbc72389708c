"""The card picture: ISO/IEC 7810 ID-1 proportions (85.60 × 53.98 mm) at 1012 × 638 px."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from PIL import Image, ImageDraw

from messenger_bank.images.drawing import (
    RGB,
    diagonal_gradient,
    fitted_font,
    hex_rgb,
    png_bytes,
    soft_circles,
    spaced_length,
    spaced_text,
)
from messenger_bank.images.fonts import font
from messenger_bank.images.labels import labels
from messenger_bank.images.models import CardDesign, CardPictureRequest, CardScheme
from messenger_bank.observability import logger

CARD_SIZE: Final = (1012, 638)
_MARGIN: Final = 56
BANK_NAME: Final = "Messenger Bank"


@dataclass(frozen=True)
class _Look:
    gradient: tuple[str, ...]
    ink: RGB  # text
    glow: RGB  # decorative circles
    glow_alpha: int
    badge: tuple[int, int, int, int]


_LOOKS: Final[dict[CardDesign, _Look]] = {
    "virtual_visa": _Look(("#0D1B6B", "#2F3FB0", "#1BA6C9"), (255, 255, 255), (255, 255, 255), 26, (255, 255, 255, 46)),
    "virtual_mastercard": _Look(
        ("#17171C", "#3B2330", "#C7552A"), (255, 255, 255), (255, 176, 96), 30, (255, 255, 255, 40)
    ),
    "belkart": _Look(("#064A35", "#0E7A54", "#2FA36B"), (255, 255, 255), (255, 255, 255), 22, (255, 255, 255, 46)),
    "plastic": _Look(("#8E9299", "#E6E8EC", "#9DA1A8"), (28, 30, 36), (255, 255, 255), 70, (28, 30, 36, 30)),
}
_ORNAMENT_RED: Final = hex_rgb("#C8102E")


def card_picture(request: CardPictureRequest) -> bytes:
    """The card's PNG: design background, bank name, chip, masked number, expiry, holder, scheme, badge."""
    look = _LOOKS[request.design]
    words = labels(request.language)
    image = _background(request.design).copy()
    # An RGB image with an RGBA pen: translucent fills blend instead of replacing pixels.
    pen = ImageDraw.Draw(image, "RGBA")
    width, height = CARD_SIZE
    left = _MARGIN + (34 if request.design == "belkart" else 0)

    pen.text((left, 46), BANK_NAME, font=font(42, bold=True), fill=look.ink)
    tag = words["card_plastic" if request.design == "plastic" else "card_digital"]
    spaced_text(pen, (left + 2, 100), tag, font(19, bold=True), (*look.ink, 190), 4)
    if request.cashback_label:
        _badge(pen, request.cashback_label, right=width - _MARGIN, top=50, look=look)

    _chip(pen, left + 6, 186)
    _contactless(pen, left + 150, 228, look.ink)

    _number(pen, request.display_number, left, 318, look.ink)

    valid = font(15, bold=True)
    spaced_text(pen, (left + 2, 410), words["card_valid_thru"], valid, (*look.ink, 200), 1)
    pen.text(
        (left + 2 + valid.getlength(words["card_valid_thru"]) + 22, 400),
        request.expiry,
        font=font(32, bold=True),
        fill=look.ink,
    )

    name_width = width - left - _MARGIN - 250
    latin = request.holder_latin.upper()
    cyrillic = request.holder_cyrillic.upper()
    pen.text(
        (left, 488),
        latin,
        font=fitted_font(latin, name_width, size=32, min_size=18, bold=True),
        fill=look.ink,
    )
    pen.text(
        (left, 536),
        cyrillic,
        font=fitted_font(cyrillic, name_width, size=28, min_size=16),
        fill=(*look.ink, 225),
    )

    _scheme_mark(image, request.card_scheme, right=width - _MARGIN, bottom=height - 44, ink=look.ink)
    logger.debug("card picture rendered", extra={"design": request.design, "last_four": request.last_four})
    return png_bytes(image)


@lru_cache(maxsize=len(_LOOKS))
def _background(design: CardDesign) -> Image.Image:
    """The design's gradient, glow and ornament: the same for every card, drawn once per cold start."""
    look = _LOOKS[design]
    circles = ((0.92, 0.05, 0.36), (1.02, 0.62, 0.22), (0.12, 0.72, 0.16))
    image = soft_circles(diagonal_gradient(CARD_SIZE, look.gradient), circles, look.glow, look.glow_alpha)
    if design == "belkart":
        _ornament_band(image)
    return image


def _number(pen: ImageDraw.ImageDraw, number: str, x: float, y: int, ink: RGB) -> None:
    """Digits in fixed cells, hidden ones as dots centred in theirs, groups of four apart."""
    face = font(60)
    cell = face.getlength("0") + 4
    _, top, _, bottom = face.getbbox("0", anchor="la")
    middle = y + (top + bottom) / 2
    for group in number.split(" "):
        for char in group:
            if char.isdigit():
                pen.text((x + 2, y), char, font=face, fill=ink, anchor="la")
            else:
                radius = 7
                cx = x + cell / 2
                pen.ellipse((cx - radius, middle - radius, cx + radius, middle + radius), fill=ink)
            x += cell
        x += 30


def _badge(pen: ImageDraw.ImageDraw, text: str, *, right: int, top: int, look: _Look) -> None:
    face = fitted_font(text, 400, size=24, min_size=15, bold=True)
    text_width = face.getlength(text)
    pad_x, height = 22, 48
    box = (right - text_width - 2 * pad_x, top, right, top + height)
    pen.rounded_rectangle(box, radius=height // 2, fill=look.badge, outline=(*look.ink, 120), width=2)
    pen.text((box[0] + pad_x, top + height / 2), text, font=face, fill=look.ink, anchor="lm")


def _chip(pen: ImageDraw.ImageDraw, x: int, y: int) -> None:
    """An EMV contact chip: a gold plate with its contact pads' lines."""
    w, h = 112, 86
    pen.rounded_rectangle((x, y, x + w, y + h), radius=14, fill=(222, 184, 98), outline=(166, 128, 52), width=2)
    line = (150, 112, 44)
    pen.rounded_rectangle((x + 38, y + 20, x + w - 38, y + h - 20), radius=6, outline=line, width=2)
    for dy in (h // 3, 2 * h // 3):
        pen.line((x + 2, y + dy, x + 38, y + dy), fill=line, width=2)
        pen.line((x + w - 38, y + dy, x + w - 2, y + dy), fill=line, width=2)
    pen.line((x + w // 2, y + 2, x + w // 2, y + 20), fill=line, width=2)
    pen.line((x + w // 2, y + h - 20, x + w // 2, y + h - 2), fill=line, width=2)


def _contactless(pen: ImageDraw.ImageDraw, x: int, y: int, ink: RGB) -> None:
    """Four growing arcs, the contactless-payment sign."""
    for i, radius in enumerate((10, 20, 30, 40)):
        box = (x - radius, y - radius, x + radius, y + radius)
        pen.arc(box, start=-50, end=50, fill=(*ink, 235 - i * 25), width=5)


def _ornament_band(image: Image.Image) -> None:
    """A vertical band of the red-on-white rhombus ornament of Belarusian embroidery on the left edge."""
    pen = ImageDraw.Draw(image, "RGBA")
    _, height = image.size
    pen.rectangle((0, 0, 40, height), fill=(250, 248, 244, 255))
    size = 14
    for i, cy in enumerate(range(size, height, 2 * size)):
        cx = 20
        pen.polygon([(cx, cy - size), (cx + size, cy), (cx, cy + size), (cx - size, cy)], fill=_ORNAMENT_RED)
        if i % 2 == 0:
            pen.polygon([(cx, cy - 5), (cx + 5, cy), (cx, cy + 5), (cx - 5, cy)], fill=(250, 248, 244, 255))


def _scheme_mark(image: Image.Image, scheme: CardScheme, *, right: int, bottom: int, ink: RGB) -> None:
    """The payment scheme's name as a plain word mark (drawn text, not the scheme's trademark logo)."""
    pen = ImageDraw.Draw(image, "RGBA")
    if scheme == "visa":
        face = font(62, bold=True)
        word = "VISA"
        width = spaced_length(word, face, 2)
        layer = Image.new("RGBA", (int(width) + 40, 80), (0, 0, 0, 0))
        spaced_text(ImageDraw.Draw(layer), (10, 0), word, face, ink, 2)
        # Slant the word a little, like a scheme mark printed in italics.
        layer = layer.transform(
            layer.size, Image.Transform.AFFINE, (1, 0.22, -8, 0, 1, 0), resample=Image.Resampling.BICUBIC
        )
        image.paste(layer, (int(right - width - 20), bottom - 72), layer)
    elif scheme == "mastercard":
        face = font(34, bold=True)
        word = "Mastercard"
        pen.text((right, bottom), word, font=face, fill=ink, anchor="rb")
    else:
        face = font(38, bold=True)
        word = "БЕЛКАРТ"
        pen.text((right, bottom), word, font=face, fill=ink, anchor="rb")
        cx, cy, size = right - face.getlength(word) - 30, bottom - 16, 16
        pen.polygon([(cx, cy - size), (cx + size, cy), (cx, cy + size), (cx - size, cy)], fill=_ORNAMENT_RED)
        pen.polygon([(cx, cy - 6), (cx + 6, cy), (cx, cy + 6), (cx - 6, cy)], fill=(255, 255, 255))
