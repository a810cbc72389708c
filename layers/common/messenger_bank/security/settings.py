"""The security context's environment, read once per cold start; each value only where a module needs it.
Unset optional values leave the module's own default in force (``None`` here).

==============================  ====================================================================
``SESSION_MINUTES``             how long a session JWT lives (``session_tokens``, 15)
``SENSITIVE_AUTH_MINUTES``      how long a proof of card or password lasts (``session_tokens``, 10)
``CARD_TOKEN_KEY_ID``           the KMS key that encrypts card numbers (``cards.CardVault``)
``CARD_TOKENS_TABLE``           where the card tokens are kept (``cards.CardVault``)
``CARD_TOKEN_TTL_SECONDS``      how long a card token lives; 0: for ever (``cards``, a day)
``CHAT_DATA_KEY_ID``            the KMS key that seals sessions' personal values and chat text (``sealing``)
``KEYCLOAK_ISSUER``             the realm whose tokens the authorizer accepts (``jwt_authorizer``)
``KEYCLOAK_AUDIENCE``           the audience those tokens must carry
``KEYCLOAK_JWKS_URL``           where the realm's keys are (default: the issuer's ``certs`` endpoint)
``KEYCLOAK_ALLOWED_CLIENTS``    the ``azp`` values the internal API accepts, comma-separated
``KEYCLOAK_REFETCH_SECONDS``    how soon an unknown key id may fetch the keys again (60)
``SECURITY_TABLE``              where wrong attempts are counted (``links``)
``SECURITY_MAX_ATTEMPTS``       wrong attempts before a lock (``links``, 3)
``SECURITY_LOCK_MINUTES``       how long a lock lasts (``links``, 60)
==============================  ====================================================================
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from messenger_bank.configuration import EnvironmentSettings, read_once


class SecurityEnvironment(EnvironmentSettings):
    empty_is_unset: ClassVar[bool] = True

    session_minutes: int = Field(default=15, ge=1)
    sensitive_auth_minutes: int = Field(default=10, ge=1)
    card_token_key_id: str | None = None
    card_tokens_table: str | None = None
    card_token_ttl_seconds: int | None = Field(default=None, ge=0)
    chat_data_key_id: str | None = None
    keycloak_issuer: str | None = None
    keycloak_audience: str | None = None
    keycloak_jwks_url: str | None = None
    keycloak_allowed_clients: str = ""
    keycloak_refetch_seconds: float | None = Field(default=None, gt=0)
    security_table: str | None = None
    security_max_attempts: int | None = Field(default=None, ge=1)
    security_lock_minutes: int | None = Field(default=None, ge=1)

    def required(self, field: str) -> str:
        """The value of a variable this function cannot work without; names the variable when unset."""
        value = getattr(self, field)
        if not value:
            raise RuntimeError(f"{field.upper()} is not set for this function")
        return str(value)


security_environment = read_once(SecurityEnvironment)
