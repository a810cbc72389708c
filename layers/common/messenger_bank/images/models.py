"""What the renderers are asked to draw: one request model per picture or document.

Every text field of every request is checked for a full card number (13 or more digits in a row, spaces
and hyphens between them allowed): a picture or a document never carries one, whoever calls. The error
never echoes the refused value (`hide_input_in_errors`), so logging a validation error leaks nothing.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, ClassVar, Final, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from messenger_bank.types import CurrencyCode, HexColour, Language

CardDesign = Literal["virtual_visa", "virtual_mastercard", "belkart", "plastic"]
CardScheme = Literal["visa", "mastercard", "belkart"]
OperationKind = Literal["transfer", "top_up", "payment", "cashback"]
OperationStatus = Literal["completed", "pending", "failed", "refunded"]

# 13 or more digits, single spaces or hyphens allowed between them: any card number, however typed.
_CARD_NUMBER_RUN = re.compile(r"(?:\d[\s\-]?){12,}\d")
# "4111 11** **** 1111", "•• 1111", "**** 1111", "1111": at most the first six and the last four digits.
_MASK = re.compile(r"(?P<head>[\d ]*?)(?P<mask>[*•·xX][*•·xX ]*)?(?P<tail>\d{4})")
_MASK_FILLER = "•"
_EXPIRY = r"^(0[1-9]|1[0-2])/\d{2}$"
_LATIN_NAME = r"^[A-Za-z][A-Za-z .'\-]*$"
_CYRILLIC_NAME = r"^[А-ЯЁІЎҐа-яёіўґ][А-ЯЁІЎҐа-яёіўґ .'’ʼ\-]*$"

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
BadgeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=48)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160)]


def contains_card_number(text: str) -> bool:
    """True when `text` holds 13 or more digits in a row (spaces or hyphens between them allowed)."""
    return _CARD_NUMBER_RUN.search(text) is not None


class _ImageRequest(BaseModel):
    """Frozen, strict, and no text field may carry a full card number."""

    # Built on first use (defer_build): a function draws one kind of picture, and imports the module for it.
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid", hide_input_in_errors=True)

    # Fields whose own validation already fixes their shape (an IBAN has a 13-digit run by design).
    _card_number_exempt: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _no_card_number(cls, value: object, info: ValidationInfo) -> object:
        exempt = info.field_name in cls._card_number_exempt
        if isinstance(value, str) and not exempt and contains_card_number(value):
            raise ValueError("a full card number is not allowed here")
        return value


class CardPictureRequest(_ImageRequest):
    """A digital or plastic card's picture: design, masked number, holder, expiry, cashback badge."""

    design: CardDesign
    # Fixed by a virtual or Belkart design; for "plastic", given or inferred from the mask's first digits.
    scheme: CardScheme | None = None
    masked_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=19)]
    holder_latin: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=_LATIN_NAME)]
    holder_cyrillic: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=_CYRILLIC_NAME)]
    expiry: Annotated[str, StringConstraints(pattern=_EXPIRY)]  # MM/YY
    cashback_label: BadgeText | None = None  # already translated, e.g. "Cashback 5 % — Groceries"
    language: Language = "en"

    @field_validator("masked_number")
    @classmethod
    def _masked(cls, value: str) -> str:
        match = _MASK.fullmatch(value)
        if match is None:
            raise ValueError("expected a mask such as '4111 11** **** 1111' or '•• 1111'")
        head_digits = re.sub(r"\D", "", match["head"])
        if len(head_digits) > 6 or (head_digits and match["mask"] is None):
            raise ValueError("at most the first six and the last four digits may be shown")
        return value

    @field_validator("scheme")
    @classmethod
    def _scheme_fits_design(cls, value: CardScheme | None, info: ValidationInfo) -> CardScheme | None:
        design = info.data.get("design")
        fixed = _DESIGN_SCHEME.get(design) if isinstance(design, str) else None
        if value is not None and fixed is not None and value != fixed:
            raise ValueError(f"the {design} design is a {fixed} card")
        return value

    @property
    def card_scheme(self) -> CardScheme:
        """The scheme whose mark is drawn: the design's own, the given one, or the mask's first digits'."""
        fixed = _DESIGN_SCHEME.get(self.design)
        if fixed is not None:
            return fixed
        if self.scheme is not None:
            return self.scheme
        return _scheme_from_digits(self._head_digits) or "visa"

    @property
    def last_four(self) -> str:
        """The only part of the number that may be logged."""
        return self.masked_number[-4:]

    @property
    def display_number(self) -> str:
        """Sixteen positions in four groups, hidden digits as bullets: "4111 11•• •••• 1111"."""
        body = self._head_digits.ljust(12, _MASK_FILLER)
        return " ".join((body[0:4], body[4:8], body[8:12], self.last_four))

    @property
    def _head_digits(self) -> str:
        match = _MASK.fullmatch(self.masked_number)
        return re.sub(r"\D", "", match["head"]) if match else ""


_DESIGN_SCHEME: dict[str, CardScheme] = {
    "virtual_visa": "visa",
    "virtual_mastercard": "mastercard",
    "belkart": "belkart",
}


def _scheme_from_digits(digits: str) -> CardScheme | None:
    if digits.startswith("9112"):
        return "belkart"
    if digits.startswith("4"):
        return "visa"
    if len(digits) >= 2 and 51 <= int(digits[:2]) <= 55:
        return "mastercard"
    if len(digits) >= 4 and 2221 <= int(digits[:4]) <= 2720:
        return "mastercard"
    return None


class ReceiptRequest(_ImageRequest):
    """A receipt for a transfer, a top-up, a payment or the month's cashback paid; amounts in minor units."""

    language: Language
    kind: OperationKind
    amount: Annotated[int, Field(gt=0)]
    currency: CurrencyCode
    fee: Annotated[int, Field(ge=0)] = 0
    from_masked: ShortText | None = None  # "•• 1111", a masked phone, "Visa •• 4242"
    to_masked: ShortText | None = None
    details: LongText | None = None  # payee and account, purpose: already translated by the caller
    occurred_at: AwareDatetime
    # Shown in this offset; Minsk is UTC+3 all year. Configuration, passed by the caller.
    utc_offset_minutes: Annotated[int, Field(ge=-720, le=840)] = 180
    operation_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{4,64}$")]
    status: OperationStatus = "completed"

    @property
    def total(self) -> int:
        return self.amount + self.fee

    @property
    def local_time(self) -> datetime:
        return self.occurred_at.astimezone(timezone(timedelta(minutes=self.utc_offset_minutes)))


def _iban_is_valid(iban: str) -> bool:
    """ISO 13616 mod-97: move the first four characters to the end, letters as 10..35, remainder 1."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


class RequisitesRequest(_ImageRequest):
    """An account's details as a document: holder, IBAN, bank, BIC, bank taxpayer number, currency."""

    _card_number_exempt: ClassVar[frozenset[str]] = frozenset({"iban"})

    language: Language
    holder_name: LongText
    iban: Annotated[
        str,
        StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^BY\d{2}[A-Z]{4}\d{4}[A-Z0-9]{16}$"),
    ]
    bank_name: LongText
    bank_address: LongText | None = None
    bic: Annotated[str, StringConstraints(pattern=r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")]
    bank_unp: Annotated[str, StringConstraints(pattern=r"^\d{9}$")]
    currency: CurrencyCode
    issued_on: date

    @field_validator("iban", mode="before")
    @classmethod
    def _compact(cls, value: object) -> object:
        return value.replace(" ", "") if isinstance(value, str) else value

    @field_validator("iban")
    @classmethod
    def _checksum(cls, value: str) -> str:
        if not _iban_is_valid(value):
            raise ValueError("the IBAN's check digits do not match (ISO 13616 mod-97)")
        return value

    @property
    def iban_grouped(self) -> str:
        """ "BY13 NBRB 3600 9000 0000 2Z00 AB00": how people read and dictate an IBAN."""
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))


class SharePictureRequest(_ImageRequest):
    """A referral share picture: headline, a QR code of the link, and the code itself."""

    # The bank builds the link from its own bot or page and the code, which is checked on its own; a Facebook
    # page id is a 15- or 16-digit number (m.me/100000000000777?ref=…) and is no card.
    _card_number_exempt: ClassVar[frozenset[str]] = frozenset({"link"})

    language: Language
    link: Annotated[str, StringConstraints(max_length=512, pattern=r"^(https|viber)://\S+$")]
    code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{4,32}$")]
    headline: LongText | None = None  # already translated; the label table's default when absent


# A partner's picture: a logo, never a poster. Checked by decoding its header, never its pixels here.
PICTURE_FORMATS: Final = ("PNG", "JPEG", "WEBP")
PICTURE_MAX_BYTES: Final = 512 * 1024
PICTURE_MAX_SIDE: Final = 2048
MAX_OFFER_TILES: Final = 12


def _readable_picture(value: bytes | None) -> bytes | None:
    """A PNG, JPEG or WebP of at most 512 KiB and 2048 px a side (a decompression bomb never gets decoded)."""
    if value is None:
        return None
    if len(value) > PICTURE_MAX_BYTES:
        raise ValueError(f"the picture is larger than {PICTURE_MAX_BYTES} bytes")
    from PIL import Image  # Pillow only where a picture comes in (the offers), not wherever a request is made

    try:
        with Image.open(io.BytesIO(value), formats=PICTURE_FORMATS) as picture:
            width, height = picture.size
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise ValueError("the picture is not a PNG, JPEG or WebP image") from error
    if not (0 < width <= PICTURE_MAX_SIDE and 0 < height <= PICTURE_MAX_SIDE):
        raise ValueError(f"the picture is larger than {PICTURE_MAX_SIDE} px a side")
    return value


class OfferTile(_ImageRequest):
    """One partner offer on the offers picture: the partner, its offer, the rate, its colours and picture."""

    partner_name: ShortText
    title: LongText  # the offer as the partner words it
    cashback: BadgeText  # already formatted in the customer's language, e.g. "2,5 %"
    background: HexColour = "#1F2937"
    foreground: HexColour = "#FFFFFF"
    picture: Annotated[bytes | None, AfterValidator(_readable_picture)] = None


class OffersPictureRequest(_ImageRequest):
    """The partner offers as one picture, sent with the offers list: one tile per offer, two a row."""

    language: Language
    headline: LongText | None = None  # already translated; the label table's default when absent
    offers: Annotated[tuple[OfferTile, ...], Field(min_length=1, max_length=MAX_OFFER_TILES)]
