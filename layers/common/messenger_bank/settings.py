"""The stack's resources every context shares, read from the environment once per cold start.

``SECRETS_PREFIX``: the SSM path under which the platform secrets (``messenger_bank.secrets``) and the
security keys (``messenger_bank.security.keys``) live; unset locally without SSM.
``CUSTOMERS_TABLE``: the single table the contexts keep their rows in (``messenger_bank.tables``).
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from messenger_bank.configuration import read_once


class StackSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True)

    secrets_prefix: str | None = None
    customers_table: str | None = None

    def secrets_path(self) -> str:
        if not self.secrets_prefix:
            raise RuntimeError("SECRETS_PREFIX is not set for this function")
        return self.secrets_prefix

    def customers_table_name(self) -> str:
        if not self.customers_table:
            raise RuntimeError("CUSTOMERS_TABLE is not set for this function")
        return self.customers_table


stack_settings = read_once(StackSettings)
