"""Transfer pricing and limits, read from the environment once per cold start.

``TRANSFER_FEE_PERCENT`` (decimal, 1.0) with ``TRANSFER_FEE_MIN_MINOR`` (100 = 1.00 BYN) and
``TRANSFER_FEE_MAX_MINOR`` (0 = no cap); ``TRANSFER_LIMIT_PER_TRANSFER_MINOR`` (500 000 = 5 000.00 BYN)
on the total with the fee; the daily limit and the one-time code are the step-up policy's, for all
money out (spending/settings.py);
``TRANSFER_QUOTE_TTL_SECONDS`` (1800); ``TRANSFER_CONFIRM_TIMEOUT_SECONDS`` (900: the wait for the
customer's Confirm, and again for the code, before the journey ends with nothing moved).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar

from pydantic import AliasChoices, Field

from messenger_bank.configuration import EnvironmentSettings, read_once


class TransferSettings(EnvironmentSettings):
    environment_prefix: ClassVar[str] = "TRANSFER_"

    fee_percent: Decimal = Field(default=Decimal("1.0"), ge=0, le=100)
    fee_min_minor: int = Field(default=100, ge=0)
    fee_max_minor: int = Field(default=0, ge=0, description="0: no cap")
    limit_per_transfer_minor: int = Field(default=500_000, gt=0)
    quote_ttl_seconds: int = Field(default=1800, gt=0)
    confirm_timeout_seconds: int = Field(default=900, gt=0)
    currency: str = Field(default="BYN", validation_alias=AliasChoices("currency", "BANK_CURRENCY"))

    def fee(self, amount_minor: int) -> int:
        """The percentage of the amount, rounded half up to a kopeck, at least the minimum (and the cap)."""
        percent = (Decimal(amount_minor) * self.fee_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        fee = max(int(percent), self.fee_min_minor)
        return min(fee, self.fee_max_minor) if self.fee_max_minor else fee


transfer_settings = read_once(TransferSettings)
