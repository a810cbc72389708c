"""Money as a customer reads it, and the words customers use for currencies: one rule for every medium.

An amount is shown in the customer's language (chat, pictures, PDF alike): ``1 234,50 BYN`` in Russian
and Belarusian (no-break space between thousands, decimal comma), ``1,234.50 BYN`` in English. Where a
text is made before anyone knows the reader's language (a quote kept in a journey's state, an amount
echoed back as typed) it is the neutral ``1234.50 BYN``: a point, no grouping, the form people type.

A currency named in words: "рубль", "руб", "р.", "rub", "br" are the Belarusian rouble, as everyone in
Belarus means them; the Russian rouble only when said so ("российских рублей", "рос. руб"), by its
symbol ``₽`` or by its ISO code in capitals ``RUB``.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from messenger_bank.types import Language

# The bank's home currency: an amount with no currency named is in it.
HOME_CURRENCY: Final = "BYN"

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
# The neutral form: what a customer would type (and the parser reads back).
_NEUTRAL: Final = ("", ".")


def format_money(minor_units: int, currency: str, language: Language | None = None) -> str:
    """12345050 kopecks in BYN → ``123 450,50 BYN`` (ru, be), ``123,450.50 BYN`` (en); with no language
    known, the neutral ``123450.50 BYN``."""
    exponent = _EXPONENT.get(currency, 2)
    group, decimal = _SEPARATORS[language] if language is not None else _NEUTRAL
    whole, fraction = divmod(abs(minor_units), 10**exponent)
    digits = f"{whole:,}".replace(",", group)
    number = f"{digits}{decimal}{fraction:0{exponent}d}" if exponent else digits
    if language is None:
        return f"{'-' if minor_units < 0 else ''}{number} {currency}"
    # A true minus sign and a no-break space keep "−10,00 BYN" in one piece on a narrow screen.
    return f"{'−' if minor_units < 0 else ''}{number}{_NBSP}{currency}"


# --- currencies named in words ---------------------------------------------------------------------------
_SYMBOLS: Final[dict[str, str]] = {"$": "USD", "€": "EUR", "₽": "RUB"}
# Whole words (lower case) that name a currency.
_CODES: Final[dict[str, str]] = {
    "byn": "BYN", "byr": "BYN", "br": "BYN", "бр": "BYN", "р": "BYN", "r": "BYN",
    "usd": "USD", "eur": "EUR",
}  # fmt: skip
# Beginnings of words that name a currency (lower case, both scripts, the usual transliterations).
_STEMS: Final[tuple[tuple[str, str], ...]] = (
    ("руб", "BYN"), ("rub", "BYN"), ("roubl", "BYN"),
    ("доллар", "USD"), ("долар", "USD"), ("долл", "USD"), ("dollar", "USD"), ("dolar", "USD"), ("dol", "USD"),
    ("бакс", "USD"), ("baks", "USD"), ("buck", "USD"),
    ("евро", "EUR"), ("еўра", "EUR"), ("euro", "EUR"), ("evro", "EUR"), ("eur", "EUR"),
)  # fmt: skip
# A word that makes the rouble after it the Russian one ("российских рублей", "рос. руб", "RF rub").
_RUSSIAN: Final = ("рос", "рус", "рас", "рф", "ros", "rus", "ras", "rf")
_BELARUSIAN: Final = ("бел", "bel", "bier")
# The ISO codes themselves, as written in capitals.
_ISO_RUSSIAN: Final = frozenset({"RUB", "RUR"})


def _key(word: str) -> str:
    return unicodedata.normalize("NFKC", word).strip().rstrip(".").lower().replace("ё", "е")


def _is_rouble(key: str) -> bool:
    return key.startswith(("руб", "rub", "roubl"))


def currency_named(word: str, following: str | None = None) -> tuple[str, int] | None:
    """(ISO code, words used: 1 or 2) for a currency named by `word` (and the word after it), else None.

    Case matters only for the ISO code: ``RUB`` is the Russian rouble, "rub" the Belarusian one.
    """
    raw = unicodedata.normalize("NFKC", word).strip().rstrip(".")
    if raw in _ISO_RUSSIAN:
        return "RUB", 1
    if raw in _SYMBOLS:
        return _SYMBOLS[raw], 1
    key = _key(raw)
    if not key:
        return None
    if following is not None and _is_rouble(_key(following)):
        if key.startswith(_RUSSIAN):
            return "RUB", 2
        if key.startswith(_BELARUSIAN):
            return "BYN", 2
    if key in _CODES:
        return _CODES[key], 1
    for stem, code in _STEMS:
        if key.startswith(stem):
            return code, 1
    return None
