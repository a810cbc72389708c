"""Money, dates and account numbers as a customer reads them in each language."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from messenger_bank.types import Language

# ISO 4217 minor-unit exponents for the currencies the bank shows; anything else has two decimals.
_EXPONENT: Final[dict[str, int]] = {
    "BYN": 2,
    "USD": 2,
    "EUR": 2,
    "RUB": 2,
    "PLN": 2,
    "CNY": 2,
    "JPY": 0,
    "KRW": 0,
}
_NBSP: Final = "\u00a0"
# (group separator, decimal separator): "1 234,50" in Russian and Belarusian, "1,234.50" in English.
_SEPARATORS: Final[dict[Language, tuple[str, str]]] = {
    "ru": (_NBSP, ","),
    "be": (_NBSP, ","),
    "en": (",", "."),
}


def format_money(minor_units: int, currency: str, language: Language) -> str:
    """12345050 kopecks in BYN → "123 450,50 BYN" (ru, be) or "123,450.50 BYN" (en)."""
    exponent = _EXPONENT.get(currency, 2)
    group, decimal = _SEPARATORS[language]
    sign = "−" if minor_units < 0 else ""
    whole, fraction = divmod(abs(minor_units), 10**exponent)
    digits = f"{whole:,}".replace(",", group)
    number = f"{digits}{decimal}{fraction:0{exponent}d}" if exponent else digits
    return f"{sign}{number}{_NBSP}{currency}"


def format_datetime(moment: datetime, language: Language) -> str:
    """ "15.01.2025 14:30 (UTC+03:00)"; English uses slashes."""
    day = moment.strftime("%d/%m/%Y" if language == "en" else "%d.%m.%Y")
    offset = moment.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return f"{day} {moment:%H:%M} ({zone})"


def format_date(day: date, language: Language) -> str:
    return day.strftime("%d/%m/%Y" if language == "en" else "%d.%m.%Y")
