"""Bill-payment limits, read from the environment once per cold start.

``PAYMENT_LIMIT_PER_PAYMENT_MINOR`` (500 000 = 5 000.00 BYN); ``PAYMENT_QUOTE_TTL_SECONDS`` (1800);
``SAVED_PAYEES_SHOWN`` (8: how many saved payees the chat offers, most recently paid first).
Payments for services carry no fee at this bank (the payee's settlement system is paid the amount
itself); the quote still shows the fee (0.00) and the total, as the confirmation always does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class PaymentSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    limit_per_payment_minor: int = Field(default=500_000, gt=0)
    quote_ttl_seconds: int = Field(default=1800, gt=0)
    saved_payees_shown: int = Field(default=8, ge=1, le=20)
    currency: str = "BYN"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PaymentSettings:
        env = os.environ if environ is None else environ
        names = {
            "limit_per_payment_minor": "PAYMENT_LIMIT_PER_PAYMENT_MINOR",
            "quote_ttl_seconds": "PAYMENT_QUOTE_TTL_SECONDS",
            "saved_payees_shown": "SAVED_PAYEES_SHOWN",
            "currency": "BANK_CURRENCY",
        }
        return cls.model_validate({field: env[var] for field, var in names.items() if env.get(var)})


@lru_cache(maxsize=1)
def payment_settings() -> PaymentSettings:
    return PaymentSettings.from_env()
