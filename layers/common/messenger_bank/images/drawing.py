"""Drawing helpers shared by the renderers: gradients, soft shapes, text that fits its box."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageChops, ImageDraw, ImageFont

from messenger_bank.images.fonts import font

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]


def hex_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def diagonal_gradient(size: tuple[int, int], colours: Sequence[str]) -> Image.Image:
    """A top-left → bottom-right gradient through two or three colours."""
    vertical = Image.linear_gradient("L")
    horizontal = vertical.rotate(90)  # 0 on the left, 255 on the right
    ramp = ImageChops.add(vertical, horizontal, scale=2.0).resize(size, Image.Resampling.BILINEAR)
    stops = [Image.new("RGB", size, hex_rgb(c)) for c in colours]
    if len(stops) == 2:
        return Image.composite(stops[1], stops[0], ramp)
    first_half = ramp.point(lambda v: min(255, v * 2))
    second_half = ramp.point(lambda v: max(0, v * 2 - 255))
    return Image.composite(stops[2], Image.composite(stops[1], stops[0], first_half), second_half)


def vertical_gradient(size: tuple[int, int], top: str, bottom: str) -> Image.Image:
    ramp = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", size, hex_rgb(bottom)), Image.new("RGB", size, hex_rgb(top)), ramp)


def soft_circles(
    base: Image.Image, circles: Sequence[tuple[float, float, float]], colour: RGB, alpha: int
) -> Image.Image:
    """Translucent circles (centre x, centre y, radius as fractions of the width), anti-aliased.

    The circles are drawn twice as large on a one-channel mask and box-reduced: smooth edges at a
    quarter of the cost of an RGBA layer.
    """
    scale = 2
    width, height = base.size
    mask = Image.new("L", (width * scale, height * scale), 0)
    pen = ImageDraw.Draw(mask)
    for cx, cy, r in circles:
        x, y, radius = cx * width * scale, cy * width * scale, r * width * scale
        pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=alpha)
    rgb = base.convert("RGB")
    return Image.composite(Image.new("RGB", base.size, colour), rgb, mask.reduce(scale))


def fitted_font(text: str, max_width: float, *, size: int, min_size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The largest face from `size` down to `min_size` in which `text` is at most `max_width` wide."""
    for candidate in range(size, min_size - 1, -1):
        face = font(candidate, bold=bold)
        if face.getlength(text) <= max_width:
            return face
    return font(min_size, bold=bold)


def ellipsize(text: str, face: ImageFont.FreeTypeFont, max_width: float) -> str:
    """Cut `text` with an ellipsis so that it fits `max_width` in `face`."""
    if face.getlength(text) <= max_width:
        return text
    while text and face.getlength(text + "…") > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, face: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Greedy word wrap; a single word wider than the box is left to overflow (callers shrink the face)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and face.getlength(candidate) > max_width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def spaced_text(
    pen: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    face: ImageFont.FreeTypeFont,
    fill: RGB | RGBA,
    tracking: float,
) -> float:
    """Draw `text` with extra space between letters; returns the x where it ended."""
    x, y = xy
    for char in text:
        pen.text((x, y), char, font=face, fill=fill)
        x += face.getlength(char) + tracking
    return x - tracking


def spaced_length(text: str, face: ImageFont.FreeTypeFont, tracking: float) -> float:
    return sum(face.getlength(char) for char in text) + tracking * max(0, len(text) - 1)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()
