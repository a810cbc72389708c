"""The step-up policy's amounts, read from the environment once per cold start (template parameters).

``SPENDING_FREE_PER_DAY_MINOR`` (100 000 = 1 000.00 BYN): money out today, this operation included,
up to this amount needs no one-time code; past it every operation does (one operation above it alone
needs one too). ``SPENDING_LIMIT_PER_DAY_MINOR`` (1 500 000): money out today is refused past it, code
or not. Both count transfers (with their fee), bill payments and paid money requests together, per
customer, over the bank's day (Minsk time).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from messenger_bank.configuration import EnvironmentSettings, read_once


class SpendingSettings(EnvironmentSettings):
    environment_prefix: ClassVar[str] = "SPENDING_"

    free_per_day_minor: int = Field(default=100_000, ge=0)
    limit_per_day_minor: int = Field(default=1_500_000, gt=0)

    @model_validator(mode="after")
    def _free_within_limit(self) -> SpendingSettings:
        if self.free_per_day_minor > self.limit_per_day_minor:
            raise ValueError("the free amount cannot be above the daily limit")
        return self


spending_settings = read_once(SpendingSettings)
