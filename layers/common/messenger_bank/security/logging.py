"""Redaction of card numbers, credentials and secret-named fields from every log record.

``install_redaction(logger)`` hooks into the Powertools formatter at its last step, the JSON
serialisation of the finished log dict, so it sees everything the record will carry: the message,
``extra=`` keys, keys appended with ``append_keys`` / ``inject_lambda_context``, the logged event, and
exception text and stack traces. There:

- a value whose key is named like a secret (``pin``, ``new_pin``, ``cvv``, ``password``, ``passport``,
  ``access_token``, ``client_secret``, ``Authorization``, ``cookie``, ``card_number``, ...) becomes
  ``"***"``, at any depth;
- in every string, card numbers become their mask (``411111******1111``), anything shaped like a JWT
  or a bearer credential becomes ``[redacted]``, a passport or personal number becomes ``[redacted]``,
  and the value of a secret named in the text (``pin=1234``, ``cvv: 123``, ``password='x'``) ``***``;
- an integer that is a card number (a PAN logged as a number) becomes its mask, a dictionary key too;
- a pydantic model is logged as its fields, the secret-named ones and those it hides from its ``repr``
  (``Field(repr=False)``: names, birth dates, passport data) as ``"***"``.

The arguments of a ``%``-style message are redacted before they are formatted into it (a model
passed as an argument would otherwise be formatted with its ``repr``).

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
# A secret named in free text: "pin=1234", "new_pin: 9876", "cvv='123'", "password = hunter2".
_SECRET_ASSIGNMENT: Final = re.compile(
    r"(?i)\b((?:[a-z0-9]+[_-])*(?:pin|pincode|cvv2?|cvc2?|password|passwd|pwd|passport|otp|secret|token)"
    r"(?:[_-][a-z0-9]+)*)(\s*[:=]\s*)(['\"]?)([^'\"\s,;&})\]]+)"
)
# Belarusian passport numbers (MP1234567) and personal (identification) numbers (3170590A001PB5).
_IDENTITY_NUMBER: Final = re.compile(r"\b(?:[A-Z]{2}[0-9]{7}|[0-9]{7}[A-Z][0-9]{3}[A-Z]{2}[0-9])\b")
_PAN_AS_INTEGER: Final = 10**12  # 13 digits and more
_MARK: Final = "_messenger_bank_redaction"
_NON_SECRET_KEYS: Final = frozenset({"level", "location", "timestamp", "service", "sampling_rate", "cold_start"})


def is_secret_key(key: str) -> bool:
    """True when a field named `key` must never be logged (see ``SECRET_WORDS``)."""
    words = [w.lower() for w in _WORD_SPLIT.split(key) if w]
    if any(w in SECRET_WORDS for w in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in pairwise(words))


def redact_text(text: str) -> str:
    """`text` without card numbers, JWTs, bearer credentials, passport numbers and named secrets."""
    # Fast path: every pattern below needs a digit, a space of any kind (a tab after "Bearer" too), "=" or ":",
    # or a JWT's "eyJ".
    if not any(ch.isdigit() or ch.isspace() or ch in "=:" for ch in text) and "eyJ" not in text:
        return text
    text = _CREDENTIAL.sub("[redacted]", redact_pans(text))
    text = _IDENTITY_NUMBER.sub("[redacted]", text)
    return _SECRET_ASSIGNMENT.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{REDACTED}", text)


# A code a customer may type to a person (a one-time code, a PIN, a CVV): a run of 3 to 8 digits standing alone.
# Only chat text read by an operator is scanned for it (an amount of that size is masked too: the operator asks).
_CODE: Final = re.compile(r"(?<![0-9A-Za-z.,*])[0-9]{3,8}(?![0-9A-Za-z*]|[.,][0-9])")


def redact_chat_text(text: str) -> str:
    """A customer's message as an operator reads it: `redact_text`, and codes (bare 3-8 digit runs) too."""
    return _CODE.sub(REDACTED, redact_text(text))


def _redact_model(model: BaseModel, default: Callable[[Any], Any]) -> dict[str, Any]:
    """A model's fields; secret-named ones and those the model keeps out of its repr as ``***``."""
    fields = type(model).model_fields
    values = {
        name: REDACTED if not field.repr or is_secret_key(name) else redact(getattr(model, name), default)
        for name, field in fields.items()
    }
    for name, value in (model.model_extra or {}).items():
        values[name] = REDACTED if is_secret_key(name) else redact(value, default)
    return values


def redact(value: Any, default: Callable[[Any], Any] = str) -> Any:
    """A copy of `value` (dicts, lists, strings, models) with secrets removed; see the module doc."""
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, bool | int | float):
        # A card number logged as a number (an int, or a float holding one) is still a card number.
        if not isinstance(value, bool) and value is not None and abs(value) >= _PAN_AS_INTEGER:
            if isinstance(value, float) and not value.is_integer():
                return value
            text = str(abs(int(value)))
            masked = redact_text(text)
            return value if masked == text else masked
        return value
    if isinstance(value, Mapping):
        return {
            (redact_text(k) if isinstance(k, str) else k): (
                REDACTED if isinstance(k, str) and is_secret_key(k) else redact(v, default)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v, default) for v in value]
    if isinstance(value, BaseModel):
        return _redact_model(value, default)
    return redact(default(value), default)


def _redact_arguments(args: Any) -> Any:
    """A %-style message's arguments with models and containers redacted (strings and numbers are left
    for the message they are formatted into, so that "%d" still works)."""
    if isinstance(args, Mapping):
        return {
            k: REDACTED if isinstance(k, str) and is_secret_key(k) else _redact_argument(v) for k, v in args.items()
        }
    if isinstance(args, tuple):
        return tuple(_redact_argument(a) for a in args)
    return args


def _redact_argument(value: Any) -> Any:
    if isinstance(value, BaseModel | Mapping | list | tuple | set | frozenset):
        return redact(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return redact_text(str(value))


def _format_redacted(record: logging.LogRecord) -> None:
    """Format the record's message from redacted arguments, once, and redact the result."""
    if record.args:
        record.args = _redact_arguments(record.args)
        record.msg = redact_text(record.getMessage())
        record.args = None


def redact_log(log: Mapping[str, Any], default: Callable[[Any], Any] = str) -> dict[str, Any]:
    """The Powertools log dict with secrets removed (standard keys are passed through untouched)."""
    return {
        k: (v if k in _NON_SECRET_KEYS else REDACTED if is_secret_key(k) else redact(v, default))
        for k, v in log.items()
    }


class RedactingFilter(logging.Filter):
    """For handlers without a Powertools formatter: redacts the message, its args and ``extra`` fields."""

    _STANDARD: Final = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            _format_redacted(record)
        else:
            record.msg = redact(record.msg)
        for key in set(record.__dict__) - self._STANDARD:
            value = record.__dict__[key]
            record.__dict__[key] = REDACTED if is_secret_key(key) else redact(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


class ArgumentsFilter(logging.Filter):
    """For Powertools handlers: a %-style message is formatted from redacted arguments (its serialiser
    sees the message only once the arguments are in it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _format_redacted(record)
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
            if not any(isinstance(f, ArgumentsFilter) for f in handler.filters):
                handler.addFilter(ArgumentsFilter())
        elif not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
