"""Where the platforms are and the secrets to reach them, read once per cold start.

Every name is the field name in upper case (TELEGRAM_API_BASE_URL, WHATSAPP_ACCESS_TOKEN, …). When the
stack sets ``SECRETS_PREFIX`` the secrets come from SSM under it (``messenger_bank.secrets``) and never
from the environment; without it (local runs, tests) from the environment like the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field, SecretStr

from messenger_bank.channels.base import WebhookSecrets
from messenger_bank.configuration import EnvironmentSettings, read_once
from messenger_bank.settings import stack_settings

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


class ChannelSettings(EnvironmentSettings):
    empty_is_unset: ClassVar[bool] = True

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

    # The table every sending function paces its sends in (channels/ratelimit.py); unset: each process alone.
    send_rates_table: str | None = None

    http_timeout_seconds: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, le=10, description="tries of one request, first included")
    max_retry_wait_seconds: float = Field(
        default=20.0, ge=0, description="a longer retry_after gives up at once (a Lambda must not idle)"
    )

    @classmethod
    def read(cls, variables: Mapping[str, str], given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """With ``SECRETS_PREFIX`` set, the secret fields from SSM: each one this function may read, the others
        None, never the environment's; without it (local runs, tests) from the environment like the rest."""
        found = super().read(variables, given)
        if stack_settings().secrets_prefix:
            from messenger_bank import secrets

            passed = {name.upper() for name in given or {}}
            found |= {
                field: secrets.optional_secret(field.upper()) for field in _SECRETS if field.upper() not in passed
            }
        return found

    def webhook_secrets(self) -> WebhookSecrets:
        return WebhookSecrets(
            telegram_secret_token=self.telegram_secret_token,
            viber_auth_token=self.viber_auth_token,
            meta_app_secret=self.meta_app_secret,
            meta_verify_token=self.meta_verify_token,
        )


settings = read_once(ChannelSettings)
