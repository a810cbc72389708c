"""A minimal one-page PDF: the page as a lossless (Flate) image, plus invisible text over chosen spots.

Pillow's own PDF writer stores RGB pages as JPEG, which blurs small text; this writer keeps the raster
exact. The invisible text layer (PDF text render mode 3, Courier, ASCII only) makes values such as an
IBAN selectable and copyable in any PDF viewer, over where the picture shows them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image

A4_POINTS = (595.28, 841.89)
_COURIER_ADVANCE = 0.6  # Courier's glyph width, in em


@dataclass(frozen=True)
class TextSpot:
    """ASCII text selectable over a box given in the image's pixels (left, top, width, height)."""

    text: str
    box: tuple[float, float, float, float]


def _literal(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})".encode("ascii")


def _unicode_string(text: str) -> bytes:
    """A PDF text string in UTF-16BE with its byte-order mark, so Cyrillic titles show in viewers."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def page_pdf(image: Image.Image, *, title: str, spots: tuple[TextSpot, ...] = ()) -> bytes:
    """One A4 page showing `image` edge to edge, with `spots` as invisible, selectable text."""
    rgb = image.convert("RGB")
    width_px, height_px = rgb.size
    page_w, page_h = A4_POINTS
    scale_x, scale_y = page_w / width_px, page_h / height_px

    content = [f"q {page_w:.2f} 0 0 {page_h:.2f} 0 0 cm /Im0 Do Q".encode("ascii")]
    for spot in spots:
        left, top, width, height = spot.box
        size = height * scale_y
        natural = len(spot.text) * _COURIER_ADVANCE * size
        stretch = 100 * width * scale_x / natural if natural else 100
        x, y = left * scale_x, page_h - (top + height * 0.8) * scale_y
        content.append(
            b"BT 3 Tr /F1 %.2f Tf %.2f Tz %.2f %.2f Td " % (size, stretch, x, y) + _literal(spot.text) + b" Tj ET"
        )
    stream = b"\n".join(content)
    pixels = zlib.compress(rgb.tobytes(), 6)
    stamp = datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ")

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "
        b"/Resources << /XObject << /Im0 4 0 R >> /Font << /F1 6 0 R >> >> /Contents 5 0 R >>" % (page_w, page_h),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 "
        b"/Filter /FlateDecode /Length %d >>\nstream\n" % (width_px, height_px, len(pixels)) + pixels + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
        b"<< /Title "
        + _unicode_string(title)
        + b" /Producer (Messenger Bank) /CreationDate ("
        + stamp.encode()
        + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        len(objects),
        xref,
    )
    return bytes(out)
