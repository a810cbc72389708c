"""An oracle for card numbers in text, independent of ``messenger_bank.security.cards``.

The rule, on purpose simpler and wider than the product's: digits are grouped into runs, where groups of
ASCII digits may be joined by up to three separators (any horizontal space: plain, no-break, thin,
narrow no-break, figure...; a dash; a dot). Any consecutive whole groups of a run holding 13 to 19 digits
in all that pass the Luhn check are a card number, whatever the digits they start with. A test that uses
this to check the product's redaction therefore cannot pass because the product and the check share a
mistake. Its own Luhn below; it imports nothing from the product.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

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


# What a machine keeps beside card data, taken out before `pans_in` scans it.
# The platforms' own ids (and correlation ids made of them) are numbers that may look like a card:
# Viber's message_token is a 19-digit integer starting with 5, Telegram's callback_query_id 19 digits, and one
# in ten passes the Luhn check. They are ids the platform assigned, not card data, so they are taken out
# before the scan (and only they: any other field is scanned).
# Messenger's page-scoped user ids are 16 digits (the fake platform's are 7000000000000000 + n), so one user in
# ten has an id that passes the Luhn check too: chat and user ids are taken out like the others.
_PLATFORM_IDS = re.compile(
    # A quote may be escaped: an execution history holds its states' JSON as strings.
    r'\\?"?\b(id|message_id|button_message_id|message_token|update_id|reply_to_message_id|mid|callback_query_id'
    r'|correlation_id|chat_id|user_id|chat_key)\b\\?"?\s*[:=]\s*\\?"?(?:[a-z]+[:#-])?[0-9]+(?![\w-])\\?"?'
    # Correlation ids, chat keys and session keys wherever they appear: "<messenger>-<id>", "<messenger>:<id>".
    r"|\b(?:telegram|viber|whatsapp|messenger)[:-][0-9]+"
)

# Decimal numbers (metric values such as an EMF latency 5.377561...) are not card numbers either: their
# fraction may be 13-19 digits that pass the Luhn check. Only JSON numbers, though: in text a dot may group
# a card number's digits ("4111.1111.1111.1111").
_DECIMALS = re.compile(r"(?<=[:\[,])(\s*)-?[0-9]+\.[0-9]+(?:[eE][-+]?[0-9]+)?(?=\s*[,}\]])")
# Nor are UUIDs (request ids): "47622322-4009-4..." reads as 13 dash-grouped digits.
_UUIDS = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")


# Nor hashes: idempotency keys, dedupe ids and phone hashes are hex digests, and a digest's digits can
# run for 13 and pass the Luhn check. A hex token has a letter in it; a run of bare digits is still scanned.
_HEX_DIGESTS = re.compile(r"\b(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{24,}\b")


# Nor epoch timestamps in milliseconds, microseconds or nanoseconds (2017 to 2033: 15... to 19..., 13, 16 or 19
# digits), such as an EMF metric's "Timestamp": the oracle takes any first digit, and no card scheme issues
# numbers of those lengths starting with 1.
_EPOCH_TIMES = re.compile(r"(?<![0-9])1[5-9][0-9]{11}(?:[0-9]{3}){0,2}(?![0-9])")


CARD_INDUSTRY_DIGITS = frozenset("234569")


def pans_in(value: Any) -> list[str]:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    for pattern, replacement in (
        (_PLATFORM_IDS, ""),
        (_DECIMALS, r"\g<1>0.0"),
        (_UUIDS, "uuid"),
        (_HEX_DIGESTS, "hex"),
        (_EPOCH_TIMES, "epoch"),
    ):
        text = pattern.sub(replacement, text)
    # Card numbers start with a payment industry's digit (ISO/IEC 7812: 2-6, and 9 for BELKART). A run that starts
    # with 0, 1, 7 or 8 and happens to pass Luhn (an id or a counter joined to its neighbours by a space) is not one.
    return [number for number in card_numbers_in(text) if number[0] in CARD_INDUSTRY_DIGITS]
