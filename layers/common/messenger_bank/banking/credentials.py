"""Credentials of the bank's systems: one function, ``secret(name)``, one cache (Powertools Parameters').

Locally (``BANK_SECRETS_SOURCE`` unset or ``env``) a secret named ``keycloak-client-secret`` is read
from the env var ``BANK_SECRET_KEYCLOAK_CLIENT_SECRET``. Deployed, ``BANK_SECRETS_SOURCE=ssm`` reads
the SecureString parameter ``{BANK_SECRETS_PREFIX}/{name}`` (with decryption), and
``BANK_SECRETS_SOURCE=secretsmanager`` reads the secret ``{BANK_SECRETS_PREFIX}/{name}``. Whatever the
source, a Powertools provider keeps a value for ``BANK_SECRETS_TTL`` seconds (300) per warm container, so
a rotation is picked up; its boto3 client is made on first use. Each Lambda's IAM policy names only the
secrets of the systems it calls (``SYSTEM_SECRETS``; tests/unit/test_least_privilege.py holds the template
to it), never ``bank/*``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.base import BaseProvider

from messenger_bank.banking.models import PARTNER_IDS
from messenger_bank.banking.settings import bank_secrets_settings, local_secret
from messenger_bank.errors import BankAuthenticationFailed

# The secrets each bank system's client reads (banking/service.py's factories): core banking and Cerberus
# share the Keycloak client; a function is granted exactly the names of the systems it calls.
SYSTEM_SECRETS: dict[str, tuple[str, ...]] = {
    "keycloak": ("keycloak-client-id", "keycloak-client-secret"),
    "passport": ("passport-username", "passport-password"),
    "billing": ("billing-username", "billing-password"),
    "acquirer": ("acquirer-api-key", "acquirer-callback-secret"),
    "partners": tuple(f"partner-{partner}-api-key" for partner in PARTNER_IDS),
}


class LocalSecrets(BaseProvider):
    """The local source as a Powertools provider, so that it has the deployed sources' cache, not one of its own."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Powertools' BaseProvider is untyped

    def _get(self, name: str, **_options: Any) -> str:
        value = local_secret(name)
        if not value:
            raise parameters.exceptions.GetParameterError(f"no env var for {name}")
        return value

    def _get_multiple(self, path: str, **_options: Any) -> dict[str, str]:
        raise NotImplementedError("bank secrets are read one by one")


@cache
def _provider() -> BaseProvider:
    source = bank_secrets_settings().source
    if source == "ssm":
        return parameters.SSMProvider()
    if source == "secretsmanager":
        return parameters.SecretsProvider()
    return LocalSecrets()


def secret(name: str) -> str:
    """The secret's value; raises BankAuthenticationFailed when it is missing or unreadable."""
    config = bank_secrets_settings()
    options: dict[str, Any] = {"decrypt": True} if config.source == "ssm" else {}
    where = name if config.source == "env" else f"{config.prefix.rstrip('/')}/{name}"
    try:
        value = _provider().get(where, max_age=config.ttl, **options)
    except Exception as error:  # GetParameterError, botocore's ClientError and friends: no secret, no access
        raise BankAuthenticationFailed(f"secret {name} cannot be read from {config.source}") from error
    return str(value)


def clear_cache() -> None:
    """Forget every value, the provider and where it reads (tests change the source between cases)."""
    if _provider.cache_info().currsize:
        _provider().clear_cache()  # type: ignore[no-untyped-call]  # untyped in Powertools
    _provider.cache_clear()
    bank_secrets_settings.cache_clear()
