"""Dates as a customer reads them in each language (money: ``messenger_bank.money``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Final

from messenger_bank.types import Language

# The bank's clock as the customer reads it: Minsk, UTC+3 all year.
MINSK: Final = timezone(timedelta(hours=3))


def format_datetime(moment: datetime, language: Language) -> str:
    """ "15.01.2025 14:30 (UTC+03:00)"; English uses slashes."""
    day = moment.strftime("%d/%m/%Y" if language == "en" else "%d.%m.%Y")
    offset = moment.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return f"{day} {moment:%H:%M} ({zone})"


def format_date(day: date, language: Language) -> str:
    return day.strftime("%d/%m/%Y" if language == "en" else "%d.%m.%Y")
