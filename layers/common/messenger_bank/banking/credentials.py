"""Credentials of the bank's systems: one function, ``secret(name)``.

Locally (``BANK_SECRETS_SOURCE`` unset or ``env``) a secret named ``keycloak-client-secret`` is read
from the env var ``BANK_SECRET_KEYCLOAK_CLIENT_SECRET``. Deployed, ``BANK_SECRETS_SOURCE=ssm`` reads
the SecureString parameter ``{BANK_SECRETS_PREFIX}/{name}`` (with decryption), and
``BANK_SECRETS_SOURCE=secretsmanager`` reads the secret ``{BANK_SECRETS_PREFIX}/{name}``. Values are
cached for ``BANK_SECRETS_TTL`` seconds (300) per warm container, so a rotation is picked up; boto3
clients are created lazily, on first use. Each Lambda's IAM policy lets it read only its own names.

Names: keycloak-client-id, keycloak-client-secret, passport-username, passport-password,
billing-username, billing-password, acquirer-api-key, acquirer-callback-secret,
partner-<partner>-api-key.
"""

from __future__ import annotations

import os
import threading
import time
from functools import lru_cache
from typing import Any

from messenger_bank.errors import BankAuthenticationFailed

_lock = threading.Lock()
_cache: dict[str, tuple[float, str]] = {}


@lru_cache(maxsize=1)
def _ssm() -> Any:
    import boto3  # imported lazily: a cold start that reads env secrets does not pay for boto3

    return boto3.client("ssm")


@lru_cache(maxsize=1)
def _secretsmanager() -> Any:
    import boto3

    return boto3.client("secretsmanager")


def env_name(name: str) -> str:
    return "BANK_SECRET_" + name.upper().replace("-", "_")


def _load(name: str) -> str:
    source = os.environ.get("BANK_SECRETS_SOURCE", "env")
    if source == "env":
        value = os.environ.get(env_name(name))
        if not value:
            raise BankAuthenticationFailed(f"secret {name} is not configured ({env_name(name)})")
        return value
    path = f"{os.environ.get('BANK_SECRETS_PREFIX', '/messenger-bank/bank').rstrip('/')}/{name}"
    try:
        if source == "ssm":
            answer = _ssm().get_parameter(Name=path, WithDecryption=True)
            return str(answer["Parameter"]["Value"])
        if source == "secretsmanager":
            return str(_secretsmanager().get_secret_value(SecretId=path)["SecretString"])
    except Exception as error:  # botocore's ClientError and friends: no secret, no access
        raise BankAuthenticationFailed(f"secret {name} cannot be read from {source}") from error
    raise BankAuthenticationFailed(f"unknown BANK_SECRETS_SOURCE {source!r}")


def secret(name: str) -> str:
    """The secret's value; raises BankAuthenticationFailed when it is missing or unreadable."""
    ttl = float(os.environ.get("BANK_SECRETS_TTL", "300"))
    with _lock:
        cached = _cache.get(name)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
    value = _load(name)
    with _lock:
        _cache[name] = (time.monotonic() + ttl, value)
    return value


def clear_cache() -> None:
    with _lock:
        _cache.clear()
