"""The stack's resources every context shares, read from the environment once per cold start.

``SECRETS_PREFIX``: the SSM path under which the platform secrets (``messenger_bank.secrets``) and the
security keys (``messenger_bank.security.keys``) live; unset locally without SSM.
``CUSTOMERS_TABLE``: the single table the contexts keep their rows in (``messenger_bank.tables``).
"""

from __future__ import annotations

from typing import ClassVar

from messenger_bank.configuration import EnvironmentSettings, read_once


class StackSettings(EnvironmentSettings):
    empty_is_unset: ClassVar[bool] = True

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
