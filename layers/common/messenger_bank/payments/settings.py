"""Bill-payment limits, read from the environment once per cold start.

``PAYMENT_LIMIT_PER_PAYMENT_MINOR`` (500 000 = 5 000.00 BYN); ``PAYMENT_QUOTE_TTL_SECONDS`` (1800);
``PAYMENT_CODE_TIMEOUT_SECONDS`` (900: the wait for the one-time code, when the step-up policy asks
for one, before the journey ends with nothing paid);
``SAVED_PAYEES_SHOWN`` (8: how many saved payees the chat offers, most recently paid first).
Payments for services carry no fee at this bank (the payee's settlement system is paid the amount
itself); the quote still shows the fee (0.00) and the total, as the confirmation always does.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import AliasChoices, Field

from messenger_bank.configuration import EnvironmentSettings, read_once


class PaymentSettings(EnvironmentSettings):
    environment_prefix: ClassVar[str] = "PAYMENT_"

    limit_per_payment_minor: int = Field(default=500_000, gt=0)
    quote_ttl_seconds: int = Field(default=1800, gt=0)
    code_timeout_seconds: int = Field(default=900, gt=0)
    saved_payees_shown: int = Field(
        default=8, ge=1, le=20, validation_alias=AliasChoices("saved_payees_shown", "SAVED_PAYEES_SHOWN")
    )
    currency: str = Field(default="BYN", validation_alias=AliasChoices("currency", "BANK_CURRENCY"))


payment_settings = read_once(PaymentSettings)
