"""Ids the bank makes up (money requests, quotes, applications, bindings, journey runs), spelled in letters.

A hex id is read as hex, but a run of its digits can be a 13-19-digit number that passes Luhn, and every scan
for card numbers (the log filter, the leftover checks, a DLP tool at the bank) rightly flags it. Written with
the hex digits moved to a-p, an id holds no digits at all and keeps its length and randomness.
"""

from __future__ import annotations

import secrets
from typing import Final

_HEX_AS_LETTERS: Final = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def in_letters(hex_digits: str) -> str:
    """`hex_digits` (a digest, a token) spelled a-p."""
    return hex_digits.translate(_HEX_AS_LETTERS)


def random_id(nbytes: int) -> str:
    """`nbytes` random bytes as 2 × `nbytes` letters a-p."""
    return in_letters(secrets.token_hex(nbytes))
