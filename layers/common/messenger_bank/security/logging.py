"""Redaction of card numbers, credentials and secret-named fields from every log record.

``install_redaction(logger)`` hooks into the Powertools formatter at its last step, the JSON
serialisation of the finished log dict, so it sees everything the record will carry: the message,
``extra=`` keys, keys appended with ``append_keys`` / ``inject_lambda_context``, the logged event, and
exception text and stack traces. There:

- a value whose key is named like a secret (``pin``, ``new_pin``, ``cvv``, ``password``, ``passport``,
  ``access_token``, ``client_secret``, ``Authorization``, ``cookie``, ``card_number``, ...) becomes
  ``"***"``, at any depth;
- in every string, card numbers become their mask (``411111******1111``) and anything shaped like a JWT
  or a bearer credential becomes ``[redacted]``.

``messenger_bank/observability.py`` installs it once per cold start, right after creating the logger:

    install_redaction(logger)      # from messenger_bank.security.logging import install_redaction

Powertools' data-masking utility is built for erasing or encrypting chosen JSONPath fields of a payload
(and needs jsonpath-ng, and KMS for encryption), not for scanning every record; the walk here is one
pass over a small dict with two precompiled regular expressions, cheap enough for every line. A handler
whose formatter is not a Powertools one gets a ``logging.Filter`` that redacts the message and the
``extra`` fields of the record instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from itertools import pairwise
from typing import Any, Final

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from pydantic import BaseModel

from messenger_bank.security.cards import redact_pans

REDACTED: Final = "***"
# Words that make a key secret when any word of the key (split on _ - . and camelCase) is one of them.
SECRET_WORDS: Final = frozenset(
    {
        "pin",
        "pincode",
        "cvv",
        "cvv2",
        "cvc",
        "cvc2",
        "password",
        "passwd",
        "pwd",
        "passport",
        "token",
        "jwt",
        "jwe",
        "secret",
        "authorization",
        "cookie",
        "apikey",
        "pan",
        "initdata",
        "otp",
    }
)
# Pairs of adjacent words that make a key secret: card_number, api_key, set-cookie's value...
_SECRET_PAIRS: Final = frozenset({("card", "number"), ("api", "key"), ("private", "key"), ("init", "data")})
_WORD_SPLIT: Final = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_CREDENTIAL: Final = re.compile(
    r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)?"
    r"|(?i:\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}"
)
_MARK: Final = "_messenger_bank_redaction"
_NON_SECRET_KEYS: Final = frozenset({"level", "location", "timestamp", "service", "sampling_rate", "cold_start"})


def is_secret_key(key: str) -> bool:
    """True when a field named `key` must never be logged (see ``SECRET_WORDS``)."""
    words = [w.lower() for w in _WORD_SPLIT.split(key) if w]
    if any(w in SECRET_WORDS for w in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in pairwise(words))


def redact_text(text: str) -> str:
    """`text` without card numbers, JWTs and bearer credentials."""
    if not any(ch.isdigit() for ch in text) and "eyJ" not in text and " " not in text:
        return text
    return _CREDENTIAL.sub("[redacted]", redact_pans(text))


def redact(value: Any, default: Callable[[Any], Any] = str) -> Any:
    """A copy of `value` (dicts, lists, strings, models) with secrets removed; see the module doc."""
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, bool | int | float):
        # A card number logged as an int is still a card number.
        if isinstance(value, int) and not isinstance(value, bool) and value > 10**12:
            text = str(value)
            masked = redact_text(text)
            return value if masked == text else masked
        return value
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if isinstance(k, str) and is_secret_key(k) else redact(v, default)) for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v, default) for v in value]
    if isinstance(value, BaseModel):
        return redact(value.model_dump(mode="json"), default)
    return redact(default(value), default)


def redact_log(log: Mapping[str, Any], default: Callable[[Any], Any] = str) -> dict[str, Any]:
    """The Powertools log dict with secrets removed (standard keys are passed through untouched)."""
    return {
        k: (
            v
            if k in _NON_SECRET_KEYS
            else REDACTED
            if k not in ("message", "exception", "stack_trace") and is_secret_key(k)
            else redact(v, default)
        )
        for k, v in log.items()
    }


class RedactingFilter(logging.Filter):
    """For handlers without a Powertools formatter: redacts the message, its args and ``extra`` fields."""

    _STANDARD: Final = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage()) if record.args else redact(record.msg)
        record.args = None
        for key in set(record.__dict__) - self._STANDARD:
            value = record.__dict__[key]
            record.__dict__[key] = REDACTED if is_secret_key(key) else redact(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


class RedactingFormatter(LambdaPowertoolsFormatter):
    """A Powertools formatter that redacts; for ``Logger(logger_formatter=RedactingFormatter())``."""

    def serialize(self, log: Any) -> str:
        return super().serialize(redact_log(log, self.json_default))


def install_redaction(logger: Any) -> None:
    """Make every handler of `logger` (a Powertools ``Logger`` or a ``logging.Logger``) redact.

    Idempotent. For a Powertools formatter, its JSON serialiser is wrapped (its appended keys and
    settings are kept); other handlers get a ``RedactingFilter``.
    """
    handlers: list[logging.Handler] = list(getattr(logger, "handlers", []))
    for handler in handlers:
        formatter = handler.formatter
        if isinstance(formatter, LambdaPowertoolsFormatter):
            if getattr(formatter, _MARK, False) or isinstance(formatter, RedactingFormatter):
                continue
            serialise = formatter.json_serializer
            json_default = formatter.json_default

            def redacting_serialiser(
                log: Any, _serialise: Callable[[Any], str] = serialise, _default: Any = json_default
            ) -> str:
                return _serialise(redact_log(log, _default))

            formatter.json_serializer = redacting_serialiser
            setattr(formatter, _MARK, True)
        elif not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
