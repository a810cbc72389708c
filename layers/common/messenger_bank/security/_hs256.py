"""Internal: our own HS256 JWTs (sessions and links), with the algorithm and the claims pinned.

Written on the standard library (``hmac``, ``base64``, ``json``), not PyJWT: importing PyJWT imports cryptography's
X.509 and every asymmetric algorithm, +0.26x of ``import boto3`` at each cold start of a function that only ever
signs HS256 (issue 20). PyJWT stays the oracle: the tests make and read tokens with it on the other side.

``decode`` checks in PyJWT's order (the signature, then the required claims, ``iat``, ``nbf``, ``exp``, ``iss``,
``aud``, ``sub``, ``jti``) and is stricter where our own tokens allow it: each part canonical base64url, JSON objects
without repeated names, times as JSON integers, ``aud`` one string.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
from typing import Any, Final

from messenger_bank.security.digests import chat_digest

ISSUER: Final = "messenger-bank"
LEEWAY_SECONDS: Final = 5
MAX_TOKEN_CHARS: Final = 4096
REQUIRED: Final = ["iss", "aud", "sub", "exp", "iat", "nbf", "jti"]
HEADER: Final = {"alg": "HS256", "typ": "JWT"}  # PyJWT's, in its (sorted) order

_COMPACT: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_clock = time.time  # what "now" is; the tests freeze it


class Refused(Exception):
    """Internal: a token refused; callers turn it into a domain error. The message only says why, for theirs."""


class Expired(Refused):
    """Internal: a token refused because it has expired (the one refusal a caller tells apart, by type)."""


def new_jti() -> str:
    return secrets.token_urlsafe(16)


def chat_binding(chat_key: str) -> str:
    """A keyed digest of the chat key, so a token names its chat without carrying the chat id."""
    return chat_digest(chat_key)


def same_chat(binding: object, chat_key: str) -> bool:
    return isinstance(binding, str) and hmac.compare_digest(binding, chat_binding(chat_key))


def encode(claims: dict[str, Any], key: bytes) -> str:
    signing_input = f"{_b64url(_json(HEADER))}.{_b64url(_json(claims))}"
    return f"{signing_input}.{_b64url(_signature(signing_input, key))}"


def decode(token: str, key: bytes, *, audience: str) -> dict[str, Any]:
    """The verified claims of `token`: only HS256, our issuer and `audience`.

    Raises ``Expired`` past its time, ``Refused`` for anything else.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or not _COMPACT.fullmatch(token):
        raise Refused("malformed token")
    header_part, claims_part, signature_part = token.split(".")
    header = _object(_b64url_decode(header_part))
    if header.get("alg") != "HS256" or "crit" in header or header.get("b64", True) is not True:
        raise Refused("algorithm not allowed")
    if not hmac.compare_digest(_b64url_decode(signature_part), _signature(f"{header_part}.{claims_part}", key)):
        raise Refused("signature does not match")
    claims = _object(_b64url_decode(claims_part))
    _check_claims(claims, audience=audience, now=_clock())
    return claims


def _check_claims(claims: dict[str, Any], *, audience: str, now: float) -> None:
    missing = [name for name in REQUIRED if claims.get(name) is None]
    if missing:
        raise Refused(f"claim {missing[0]} missing")
    iat, nbf, exp = (claims[name] for name in ("iat", "nbf", "exp"))
    if not all(type(value) is int for value in (iat, nbf, exp)):  # bool is an int subclass; JSON true is no time
        raise Refused("a time claim is not an integer")
    if iat > now + LEEWAY_SECONDS or nbf > now + LEEWAY_SECONDS:
        raise Refused("not yet valid")
    if exp <= now - LEEWAY_SECONDS:
        raise Expired("token expired")
    if claims["iss"] != ISSUER:
        raise Refused("another issuer")
    if claims["aud"] != audience or not isinstance(claims["aud"], str):
        raise Refused("another audience")
    if not isinstance(claims["sub"], str) or not isinstance(claims["jti"], str):
        raise Refused("subject or id not a string")


def _signature(signing_input: str, key: bytes) -> bytes:
    return hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()


def _json(value: dict[str, Any]) -> bytes:
    """Compact JSON, as PyJWT writes it: the same claims make the same token on either side."""
    return json.dumps(value, separators=(",", ":")).encode("ascii")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(part: str) -> bytes:
    """The bytes of one part (of the alphabet ``_COMPACT`` lets through); only the canonical spelling is read, so no
    token has a second form that also verifies."""
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except binascii.Error:  # a length no encoding has (4n + 1)
        raise Refused("a part is not base64url") from None
    if _b64url(raw) != part:
        raise Refused("a part is not canonical base64url")
    return raw


def _object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_repeated_names)
    except (UnicodeDecodeError, ValueError):
        raise Refused("a part is not a JSON object") from None
    if not isinstance(value, dict):
        raise Refused("a part is not a JSON object")
    return value


def _no_repeated_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose names are each given once: two readers of ``{"sub": a, "sub": b}`` may disagree."""
    value = dict(pairs)
    if len(value) != len(pairs):
        raise ValueError("a name repeated")
    return value
