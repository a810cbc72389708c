"""Internal: our own HS256 JWTs (sessions and links), with the algorithm and the claims pinned."""

from __future__ import annotations

import hmac
import secrets
from typing import Any, Final

import jwt

from messenger_bank.security.digests import chat_digest

ISSUER: Final = "messenger-bank"
LEEWAY_SECONDS: Final = 5
MAX_TOKEN_CHARS: Final = 4096
REQUIRED: Final = ["iss", "aud", "sub", "exp", "iat", "nbf", "jti"]


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
    return jwt.encode(claims, key, algorithm="HS256", headers={"typ": "JWT"})


def decode(token: str, key: bytes, *, audience: str) -> dict[str, Any]:
    """The verified claims of `token`: only HS256, our issuer and `audience`.

    Raises ``Expired`` past its time, ``Refused`` for anything else.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise Refused("malformed token")
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "HS256" or "crit" in header:
            raise Refused("algorithm not allowed")
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["HS256"],
            audience=audience,
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED, "strict_aud": True},
        )
    except jwt.ExpiredSignatureError:
        raise Expired("token expired") from None
    except jwt.PyJWTError as exc:
        raise Refused(f"PyJWT raised {type(exc).__name__}") from None
    return claims
