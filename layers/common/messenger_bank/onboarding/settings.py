"""Onboarding's environment, read once per cold start: ``PERSONAL_DATA_KEY_ID`` (the KMS key that seals a
card application's passport data) and ``SECURITY_TABLE`` (where the one-time code sends are counted)."""

from __future__ import annotations

from typing import ClassVar

from messenger_bank.configuration import EnvironmentSettings, read_once


class OnboardingSettings(EnvironmentSettings):
    empty_is_unset: ClassVar[bool] = True

    personal_data_key_id: str | None = None
    security_table: str | None = None

    def personal_data_key(self) -> str:
        if not self.personal_data_key_id:
            raise RuntimeError("PERSONAL_DATA_KEY_ID is not set for this function")
        return self.personal_data_key_id

    def sends_table(self) -> str:
        if not self.security_table:
            raise RuntimeError("SECURITY_TABLE is not set for this function")
        return self.security_table


onboarding_settings = read_once(OnboardingSettings)
