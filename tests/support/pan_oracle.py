"""An oracle for card numbers in text, independent of ``messenger_bank.security.cards``.

The rule, on purpose simpler and wider than the product's: digits are grouped into runs, where groups of
ASCII digits may be joined by up to three separators (any horizontal space: plain, no-break, thin,
narrow no-break, figure...; a dash; a dot). Any consecutive whole groups of a run holding 13 to 19 digits
in all that pass the Luhn check are a card number, whatever the digits they start with. A test that uses
this to check the product's redaction therefore cannot pass because the product and the check share a
mistake. Its own Luhn below; it imports nothing from the product.
"""

from __future__ import annotations

import re
from typing import Final

MIN_DIGITS: Final = 13
MAX_DIGITS: Final = 19
# Horizontal spaces of every kind (Unicode Zs), tab, dash and dot.
SEPARATORS: Final = (
    " \t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000-."
)
_RUN: Final = re.compile(f"[0-9]+(?:[{re.escape(SEPARATORS)}]{{1,3}}[0-9]+)*")
_GROUP: Final = re.compile("[0-9]+")


def luhn(digits: str) -> bool:
    """The Luhn check: from the right, double every second digit (minus 9 above 9); the sum ends in 0."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_numbers_in(text: str) -> list[str]:
    """Every card number the rule above finds in `text`, as bare digits (overlaps included)."""
    found: list[str] = []
    for run in _RUN.finditer(text):
        groups = _GROUP.findall(run.group())
        for first in range(len(groups)):
            digits = ""
            for group in groups[first:]:
                digits += group
                if len(digits) > MAX_DIGITS:
                    break
                if len(digits) >= MIN_DIGITS and luhn(digits):
                    found.append(digits)
    return found
