"""Secrets (platform tokens, webhook secrets) from SSM Parameter Store, never from the template.

Each lives as a SecureString under the stack's SECRETS_PREFIX; Powertools caches it for five minutes
so a warm Lambda does not ask SSM on every call, and a rotated value is picked up soon after.
"""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.utilities import parameters

from messenger_bank.settings import stack_settings

SecretName = Literal[
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_SECRET_TOKEN",
    "VIBER_AUTH_TOKEN",
    "META_APP_SECRET",
    "META_VERIFY_TOKEN",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
    "MESSENGER_PAGE_ACCESS_TOKEN",
]

# The path of each secret under SECRETS_PREFIX; `make webhooks` and the local cloud write the same paths.
SECRET_PATHS: dict[SecretName, str] = {
    "TELEGRAM_BOT_TOKEN": "telegram/bot-token",
    "TELEGRAM_SECRET_TOKEN": "telegram/secret-token",
    "VIBER_AUTH_TOKEN": "viber/auth-token",
    "META_APP_SECRET": "meta/app-secret",
    "META_VERIFY_TOKEN": "meta/verify-token",
    "WHATSAPP_ACCESS_TOKEN": "whatsapp/access-token",
    "WHATSAPP_PHONE_NUMBER_ID": "whatsapp/phone-number-id",
    "MESSENGER_PAGE_ACCESS_TOKEN": "messenger/page-access-token",
}

CACHE_SECONDS = 300


def parameter_name(name: SecretName, prefix: str | None = None) -> str:
    return f"{prefix or stack_settings().secrets_path()}/{SECRET_PATHS[name]}"


def secret(name: SecretName) -> str:
    value = parameters.get_parameter(parameter_name(name), decrypt=True, max_age=CACHE_SECONDS)
    return str(value)


def optional_secret(name: str) -> str | None:
    """A secret this function may read, or None: one without the permission, or an unknown name, is absent.

    Least privilege means each function can read only its own messengers' secrets."""
    if name not in SECRET_PATHS or not stack_settings().secrets_prefix:
        return None
    try:
        return secret(name)
    except parameters.exceptions.GetParameterError:
        return None
