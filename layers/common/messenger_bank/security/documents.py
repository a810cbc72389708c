"""Belarusian identity documents as people type them, and the one test of whether a text holds personal
numbers (a card number or a document's) that must not lie in clear where the bank keeps text.

Passport number: two letters and seven digits (``MP1234567``). Personal identification number: 14
characters shaped like ``3170590A001PB5`` (sex and century digit, DDMMYY, region letter, three digits,
citizenship letters, a check character). People type them in Cyrillic look-alikes, lower case, with spaces
or dashes: ``document_text`` folds all that away before a format is matched.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from messenger_bank.security.cards import find_pans

# Cyrillic letters that look like Latin ones, as people type them in document numbers.
_LOOKALIKES: Final = str.maketrans(
    {
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "Х": "X",
        "У": "Y",
        "І": "I",
        "Ў": "Y",
    }
)
_SEPARATORS: Final = re.compile(r"[\s\-‐‑–—]")

PASSPORT_NUMBER: Final = re.compile(r"[A-Z]{2}\d{7}")
# sex/century digit, DDMMYY, region letter, 3 digits, citizenship (2 letters), check character
PERSONAL_NUMBER: Final = re.compile(r"([3-6])(\d{2})(\d{2})(\d{2})([A-Z])(\d{3})([A-Z]{2})([0-9A-Z])")


def document_text(text: str) -> str:
    """Upper case, look-alikes folded to Latin, spaces and dashes dropped."""
    folded = unicodedata.normalize("NFKC", text).strip().upper().translate(_LOOKALIKES)
    return _SEPARATORS.sub("", folded)


def holds_document_number(text: str) -> bool:
    """True when a passport or personal number appears anywhere in the text, however spaced.

    Spaces are dropped across the whole text, so words next to each other may form one (``ok 1234567``):
    erring that way only seals a harmless message, never leaves a document number in clear."""
    compact = document_text(text)
    return bool(PASSPORT_NUMBER.search(compact) or PERSONAL_NUMBER.search(compact))


def holds_personal_numbers(text: str) -> bool:
    """A card number (13-19 digits however grouped, Luhn-valid, a scheme's range: ``cards.find_pans``) or a
    passport or personal number: what a chat's text may not carry in clear into a queue or a log."""
    return bool(find_pans(text)) or holds_document_number(text)
