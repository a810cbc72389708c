"""The account-details (requisites) document: one A4 page, rendered at 150 dpi, as a PDF."""

from __future__ import annotations

from typing import Final

from PIL import Image, ImageDraw

from messenger_bank.images.drawing import hex_rgb, vertical_gradient, wrap
from messenger_bank.images.fonts import font
from messenger_bank.images.formatting import format_date
from messenger_bank.images.labels import labels
from messenger_bank.images.models import RequisitesRequest
from messenger_bank.images.pdf import TextSpot, page_pdf
from messenger_bank.observability import logger

PAGE_PIXELS: Final = (1240, 1754)  # A4 at 150 dpi
BANK_NAME: Final = "Messenger Bank"
_MARGIN: Final = 110
_INK: Final = hex_rgb("#111827")
_MUTED: Final = hex_rgb("#6B7280")
_RULE: Final = hex_rgb("#E5E7EB")
_ACCENT: Final = hex_rgb("#2F3FB0")


def requisites_pdf(request: RequisitesRequest) -> bytes:
    """The PDF: the account's holder, IBAN in groups of four, currency, bank, address, BIC, UNP, date."""
    words = labels(request.language)
    width, height = PAGE_PIXELS
    page = Image.new("RGB", PAGE_PIXELS, (255, 255, 255))
    page.paste(vertical_gradient((width, 170), "#1E2A8A", "#3345B8"), (0, 0))
    pen = ImageDraw.Draw(page)
    pen.text((_MARGIN, 85), BANK_NAME, font=font(52, bold=True), fill=(255, 255, 255), anchor="lm")

    pen.text((_MARGIN, 250), words["requisites_title"], font=font(58, bold=True), fill=_INK)
    issued = f"{words['issued_on']}: {format_date(request.issued_on, request.language)}"
    pen.text((_MARGIN, 330), issued, font=font(28), fill=_MUTED)

    spots: list[TextSpot] = []
    y = 430
    content_width = width - 2 * _MARGIN
    rows: list[tuple[str, str, bool]] = [
        (words["holder"], request.holder_name, False),
        (words["iban"], request.iban_grouped, True),
        (words["currency"], request.currency, False),
        (words["bank"], request.bank_name, False),
    ]
    if request.bank_address:
        rows.append((words["bank_address"], request.bank_address, False))
    rows += [(words["bic"], request.bic, True), (words["unp"], request.bank_unp, True)]

    for label, value, copyable in rows:
        pen.line((_MARGIN, y, width - _MARGIN, y), fill=_RULE, width=2)
        y += 28
        pen.text((_MARGIN, y), label, font=font(26), fill=_MUTED)
        y += 44
        value_face = font(44 if label == words["iban"] else 36, bold=True)
        colour = _ACCENT if label == words["iban"] else _INK
        for line in wrap(value, value_face, content_width)[:3]:
            pen.text((_MARGIN, y), line, font=value_face, fill=colour)
            if copyable and value.isascii():
                left, top, right, bottom = pen.textbbox((_MARGIN, y), line, font=value_face)
                # The IBAN copies without its group spaces, as banking forms expect it.
                text = line.replace(" ", "") if label == words["iban"] else line
                spots.append(TextSpot(text, (left, top, right - left, bottom - top)))
            y += int(value_face.size * 1.3)
        y += 24
    pen.line((_MARGIN, y, width - _MARGIN, y), fill=_RULE, width=2)

    footer = font(24)
    lines = wrap(words["requisites_footer"], footer, content_width)
    footer_y = height - 110 - 34 * len(lines)
    for line in lines:
        pen.text((_MARGIN, footer_y), line, font=footer, fill=_MUTED)
        footer_y += 34
    pen.rectangle((0, height - 24, width, height), fill=_ACCENT)
    logger.debug("requisites rendered", extra={"language": request.language, "currency": request.currency})
    return page_pdf(page, title=words["requisites_title"], spots=tuple(spots))
