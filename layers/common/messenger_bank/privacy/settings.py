"""Where forgetting a customer looks: the bot's tables and the media bucket (read once per cold start)."""

from __future__ import annotations

from typing import ClassVar

from messenger_bank.configuration import EnvironmentSettings, read_once


class PrivacySettings(EnvironmentSettings):
    empty_is_unset: ClassVar[bool] = True

    customers_table: str | None = None
    sessions_table: str | None = None
    journey_waits_table: str | None = None
    handoffs_table: str | None = None
    media_bucket: str | None = None
    sensitive_auth_minutes: int = 10

    def tables(self) -> dict[str, str]:
        """The tables the bot keeps a customer's copies in, by role (privacy/erasure.py says what is found in
        each and how). Not here: the idempotency table (webhook update ids and SQS message ids: nothing
        names a customer), the security table (keyed digests only, a day at most), the send rates (digests,
        seconds), the card tokens (a sealed number under a random token, a day), the bank breakers."""
        named = {
            "customers": self.customers_table,
            "sessions": self.sessions_table,
            "journey_waits": self.journey_waits_table,
            "handoffs": self.handoffs_table,
        }
        if not all(named.values()):
            raise RuntimeError("forgetting needs CUSTOMERS_, SESSIONS_, JOURNEY_WAITS_ and HANDOFFS_TABLE")
        return {role: str(name) for role, name in named.items()}

    def bucket(self) -> str:
        if not self.media_bucket:
            raise RuntimeError("MEDIA_BUCKET is not set for this function")
        return self.media_bucket


privacy_settings = read_once(PrivacySettings)
