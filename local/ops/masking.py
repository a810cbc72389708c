"""Masking of sensitive values before an operator sees them: pure functions, no I/O.

The logs' redaction (``messenger_bank.security.logging``) serves here too, so an operator's screen and
a log line hide the same things the same way; the operator's view adds personal data. Applied to any
JSON-like value (dicts, lists, strings, numbers):
- a value under a key the logs treat as secret (pan, card_number, pin, password, passport, token,
  secret, cvv, ...) or under a personal-data key (name, full_name, phone, iban, date of birth, and their
  camelCase / prefixed forms) is replaced by MASK;
- in any string (or an integer of card-number size), card numbers become their mask
  (``411111******1111``, ``messenger_bank.cardnumbers``) and JWTs and bearer credentials ``[redacted]``.
A string that itself holds JSON (a Lambda payload, an error cause) is parsed, masked and re-serialised.
"""

from __future__ import annotations

import json
import re
from typing import Any

from messenger_bank.cardnumbers import CARD_DIGITS
from messenger_bank.security.logging import REDACTED, is_secret_key, redact_text

MASK = REDACTED

# Personal data an operator does not need, beyond what a log never holds: a key is personal when one
# of its words is one of these ("phone_number", "ibanCode") ...
PERSONAL_WORDS = frozenset({"phone", "iban"})
# ... or when the whole key, its words joined, is one of these (so "name" masks, "state_name" does not).
PERSONAL_KEYS = frozenset(
    {
        "name",
        "fullname",
        "firstname",
        "lastname",
        "middlename",
        "surname",
        "patronymic",
        "accountnumber",
        "birthdate",
        "dateofbirth",
    }
)

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def key_words(key: str) -> list[str]:
    """ "passportNumber" → ["passport", "number"]; "card-number" → ["card", "number"]."""
    return [word for word in _NON_ALNUM.split(_CAMEL.sub(r"\1_\2", key).lower()) if word]


def is_sensitive_key(key: str) -> bool:
    if is_secret_key(key):
        return True
    words = key_words(key)
    return "".join(words) in PERSONAL_KEYS or any(word in PERSONAL_WORDS for word in words)


def mask_text(text: str) -> str:
    """A string with card numbers and credentials masked as the logs mask them; JSON inside it masked as JSON."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            pass
        else:
            if isinstance(parsed, dict | list):
                return json.dumps(mask(parsed), ensure_ascii=False)
    return redact_text(text)


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
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) in CARD_DIGITS:
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
