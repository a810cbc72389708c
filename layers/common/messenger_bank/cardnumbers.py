"""Card numbers (PAN): the Luhn check, the lengths a card number may have, the schemes' number ranges
and the masks; the one place for these rules (finding numbers in any text is ``security.cards``').

Lengths: the bank's own cards have 16 digits, but a customer may send money to a card of any bank,
and payment cards have 13 to 19 digits (ISO/IEC 7812: an old Visa 13, Amex 15, Maestro and UnionPay up
to 19). So every check of a number someone types or a text carries takes 13 to 19: the same range
decides what is a card number to accept and what is one to hide.

Masks: at most the first six and the last four digits (``411111******1111``, as cards are kept and as
the bank answers), usually only the last four (``•• 1111``).
"""

from __future__ import annotations

from typing import Final

CARD_DIGITS: Final = range(13, 20)
# First digits of payment cards (ISO/IEC 7812 major industry identifier): Mastercard 2 and 5, Amex 3,
# Visa 4, Maestro/UnionPay 6; 9 is a national scheme's, here Belkart's 9112 only.
_SCHEME_FIRST_DIGITS: Final = frozenset("23456")
BELKART_PREFIX: Final = "9112"
SHOWN_FIRST: Final = 6
SHOWN_LAST: Final = 4


def luhn_valid(number: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check; False for anything not all digits."""
    if not number or not number.isascii() or not number.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = ord(char) - 48
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def has_card_length(digits: str) -> bool:
    return len(digits) in CARD_DIGITS


def in_card_range(digits: str) -> bool:
    """Starts like a payment card: 9 only as Belkart's 9112, so that platform ids and timestamps that
    start with 9 (or 1, 7, 8) are not taken for cards."""
    if digits.startswith("9"):
        return digits.startswith(BELKART_PREFIX)
    return digits[:1] in _SCHEME_FIRST_DIGITS


def is_card_number(digits: str) -> bool:
    """Bare digits of the right length with a valid check digit (any scheme: the bank says whose)."""
    return has_card_length(digits) and luhn_valid(digits)


def mask_pan(digits: str) -> str:
    """First six and last four, the rest as ``*``: ``411111******1111``.

    Needs the bare digits of a card-number length, but no valid check digit: a mistyped number is never
    shown whole either.
    """
    if not digits.isascii() or not digits.isdigit() or not has_card_length(digits):
        raise ValueError("a card number has 13 to 19 digits")
    return digits[:SHOWN_FIRST] + "*" * (len(digits) - SHOWN_FIRST - SHOWN_LAST) + digits[-SHOWN_LAST:]


def last_four(pan_or_mask: str) -> str:
    """The last four digits of a card number or a mask; ValueError when it has fewer."""
    last = "".join(ch for ch in pan_or_mask if ch.isascii() and ch.isdigit())[-SHOWN_LAST:]
    if len(last) < SHOWN_LAST:
        raise ValueError("need at least four digits")
    return last


def short_mask(pan_or_mask: str) -> str:
    """The last four digits only, as a customer sees a card: ``•• 1111``."""
    return "•• " + last_four(pan_or_mask)
