"""Masking of sensitive values before an operator sees them: pure functions, no I/O.

Two rules, applied to any JSON-like value (dicts, lists, strings, numbers):
- a value under a sensitive key (pan, card_number, passport, name, full_name, phone, pin, password,
  token, secret, iban, and their camelCase / prefixed forms) is replaced by MASK;
- any Luhn-valid run of 13–19 digits inside any string (or an integer of that size) is masked down to
  its last four digits, separators kept ("**** **** **** 1111").
A string that itself holds JSON (a Lambda payload, an error cause) is parsed, masked and re-serialised.
"""

from __future__ import annotations

import json
import re
from typing import Any

MASK = "***"

# A key is sensitive when one of its words is one of these ("passport_number", "accessToken", "pinCode") ...
SENSITIVE_WORDS = frozenset(
    {"pan", "pin", "passport", "password", "passwd", "phone", "token", "secret", "iban", "cvv", "cvc"}
)
# ... or when the whole key, its words joined, is one of these (so "name" masks, "state_name" does not).
SENSITIVE_KEYS = frozenset(
    {
        "name",
        "fullname",
        "firstname",
        "lastname",
        "middlename",
        "surname",
        "patronymic",
        "cardnumber",
        "accountnumber",
        "birthdate",
        "dateofbirth",
    }
)

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]{13,19}(?![0-9])")
_GROUPED_DIGITS = re.compile(r"(?<![0-9])[0-9]{4}(?:[ -][0-9]{4}){2,3}(?:[ -][0-9]{1,3})?(?![0-9])")


def key_words(key: str) -> list[str]:
    """ "passportNumber" → ["passport", "number"]; "card-number" → ["card", "number"]."""
    return [word for word in _NON_ALNUM.split(_CAMEL.sub(r"\1_\2", key).lower()) if word]


def is_sensitive_key(key: str) -> bool:
    words = key_words(key)
    return "".join(words) in SENSITIVE_KEYS or any(word in SENSITIVE_WORDS for word in words)


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _mask_card_like(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"[^0-9]", "", text)
    if not 13 <= len(digits) <= 19 or not luhn_valid(digits):
        return text
    keep = 4
    masked = []
    for char in reversed(text):
        if char.isdigit():
            masked.append(char if keep > 0 else "*")
            keep -= 1
        else:
            masked.append(char)
    return "".join(reversed(masked))


def mask_text(text: str) -> str:
    """A string with every Luhn-valid card-like number masked; JSON inside it masked as JSON."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            pass
        else:
            if isinstance(parsed, dict | list):
                return json.dumps(mask(parsed), ensure_ascii=False)
    return _GROUPED_DIGITS.sub(_mask_card_like, _DIGIT_RUN.sub(_mask_card_like, text))


def mask(value: Any) -> Any:
    """A copy of a JSON-like value with sensitive fields masked; the input is left untouched."""
    if isinstance(value, dict):
        return {
            key: (MASK if value[key] is not None else None)
            if isinstance(key, str) and is_sensitive_key(key)
            else mask(value[key])
            for key in value
        }
    if isinstance(value, list | tuple):
        return [mask(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and 13 <= len(str(abs(value))) <= 19:
        masked = mask_text(str(value))
        return value if masked == str(value) else masked
    return value


def mask_json_text(text: str | None) -> Any:
    """A JSON document from the Step Functions API (an input, an output), parsed and masked; text that is
    not JSON comes back as masked text."""
    if text is None:
        return None
    try:
        return mask(json.loads(text))
    except ValueError:
        return mask_text(text)
