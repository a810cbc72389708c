"""Where forgetting a customer looks: the bot's tables and the media bucket (read once per cold start)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from messenger_bank.configuration import read_once


class PrivacySettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True)

    customers_table: str | None = None
    sessions_table: str | None = None
    idempotency_table: str | None = None
    journey_waits_table: str | None = None
    media_bucket: str | None = None
    sensitive_auth_minutes: int = 10

    def tables(self) -> dict[str, tuple[str, ...]]:
        """Each table the bot keeps a customer's copies in, with its key attributes (template.yaml). Not
        here: the security table (keyed digests only, a day at most), the send rates (digests, seconds),
        the card tokens (a sealed number under a random token, a day), the bank breakers (no customer)."""
        named = {
            self.customers_table: ("pk", "sk"),
            self.sessions_table: ("chat_key",),
            self.idempotency_table: ("id",),
            self.journey_waits_table: ("ref",),
        }
        missing = [name for name in named if not name]
        if missing:
            raise RuntimeError("forgetting needs CUSTOMERS_, SESSIONS_, IDEMPOTENCY_ and JOURNEY_WAITS_TABLE")
        return {str(name): keys for name, keys in named.items()}

    def bucket(self) -> str:
        if not self.media_bucket:
            raise RuntimeError("MEDIA_BUCKET is not set for this function")
        return self.media_bucket


privacy_settings = read_once(PrivacySettings)
