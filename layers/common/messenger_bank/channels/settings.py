"""Where the platforms are and the secrets to reach them: environment variables read once per cold start.

Every name is the field name in upper case (TELEGRAM_API_BASE_URL, WHATSAPP_ACCESS_TOKEN, …). Secrets go
through `secret_reader`, so a deployment can read them from SSM / Secrets Manager instead of the
environment without touching the callers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from messenger_bank.channels.base import WebhookSecrets

_SECRETS = (
    "telegram_bot_token",
    "telegram_secret_token",
    "viber_auth_token",
    "whatsapp_access_token",
    "whatsapp_phone_number_id",  # not secret, but kept beside the access token it belongs to
    "messenger_page_access_token",
    "meta_app_secret",
    "meta_verify_token",
)


class ChannelSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    telegram_api_base_url: str = "https://api.telegram.org"
    viber_api_base_url: str = "https://chatapi.viber.com"
    meta_graph_api_base_url: str = "https://graph.facebook.com"
    meta_graph_api_version: str = Field(default="v23.0", pattern=r"^v\d+\.\d+$")

    telegram_bot_token: SecretStr | None = None
    telegram_secret_token: SecretStr | None = None
    viber_auth_token: SecretStr | None = None
    viber_sender_name: str = "Messenger Bank"
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    messenger_page_access_token: SecretStr | None = None
    meta_app_secret: SecretStr | None = None
    meta_verify_token: SecretStr | None = None

    http_timeout_seconds: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, le=10, description="tries of one request, first included")
    max_retry_wait_seconds: float = Field(
        default=20.0, ge=0, description="a longer retry_after gives up at once (a Lambda must not idle)"
    )

    def webhook_secrets(self) -> WebhookSecrets:
        return WebhookSecrets(
            telegram_secret_token=self.telegram_secret_token,
            viber_auth_token=self.viber_auth_token,
            meta_app_secret=self.meta_app_secret,
            meta_verify_token=self.meta_verify_token,
        )


def from_environment(name: str, environ: Mapping[str, str]) -> str | None:
    return environ.get(name.upper()) or None


def load_settings(
    environ: Mapping[str, str] | None = None,
    secret_reader: Callable[[str], str | None] | None = None,
) -> ChannelSettings:
    """Settings from the environment; secrets from `secret_reader(NAME)` (default: the environment too)."""
    env = os.environ if environ is None else environ
    read_secret = secret_reader or (lambda name: from_environment(name, env))
    values: dict[str, object] = {}
    for field in ChannelSettings.model_fields:
        value = read_secret(field.upper()) if field in _SECRETS else from_environment(field, env)
        if value is not None:
            values[field] = value
    return ChannelSettings.model_validate(values)


@lru_cache(maxsize=1)
def settings() -> ChannelSettings:
    """The settings of this cold start: secrets from SSM under SECRETS_PREFIX when the stack sets it."""
    from messenger_bank.secrets import optional_secret

    if "SECRETS_PREFIX" in os.environ:
        return load_settings(secret_reader=optional_secret)
    return load_settings()
