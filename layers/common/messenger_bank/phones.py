"""Phone numbers: the Belarusian mobile operators and the mask a customer sees of someone else's number.

A Belarusian mobile number is ``+375``, an operator code (25, 29, 33, 44) and 7 digits; it is kept as
E.164 (``+375291234567``) and written ``+375 29 123-45-67``. Someone else's number is shown with its
operator and last four digits only, in the same grouping: ``+375 29 ***-45-67``: enough to recognise
a contact, not enough to call them.
"""

from __future__ import annotations

import re
from typing import Final

BELARUS: Final = "+375"
BELARUS_OPERATORS: Final = ("25", "29", "33", "44")
_E164: Final = re.compile(r"^\+[1-9]\d{7,14}$")
_BELARUS_MOBILE: Final = re.compile(rf"^\+375(?:{'|'.join(BELARUS_OPERATORS)})\d{{7}}$")


def mask_phone(phone: str) -> str:
    """``+375291234567`` → ``+375 29 ***-45-67``; another country's ``+15555550123`` → ``+155 ***0123``.

    Takes E.164; anything else is refused rather than shown half-masked.
    """
    if _BELARUS_MOBILE.fullmatch(phone):
        return f"{BELARUS} {phone[4:6]} ***-{phone[-4:-2]}-{phone[-2:]}"
    if not _E164.fullmatch(phone):
        raise ValueError("not an E.164 phone number")
    return f"{phone[:4]} ***{phone[-4:]}"
