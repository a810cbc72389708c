"""The billing system's payees and payments for services (mobile, utilities, TV, internet, transport)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from messenger_bank.banking.models import BankId, IdempotencyKey, Ours, PayeeCategory, ServiceCode, Theirs
from messenger_bank.types import CurrencyCode, MinorUnits, PositiveMinorUnits


class Payee(Theirs):
    service_code: ServiceCode = Field(alias="serviceCode")
    name: str
    category: PayeeCategory
    account_label: str = Field(alias="accountLabel")
    account_pattern: str = Field(alias="accountPattern")
    has_amount_due: bool = Field(alias="hasAmountDue")


class PayeeAccount(Theirs):
    service_code: ServiceCode = Field(alias="serviceCode")
    account: str
    holder_name: str = Field(alias="holderName")
    amount_due: MinorUnits | None = Field(default=None, alias="amountDue")
    currency: CurrencyCode


class PayRequest(Ours):
    service_code: ServiceCode
    account: str = Field(min_length=1, max_length=40)
    amount: PositiveMinorUnits
    currency: CurrencyCode
    payer_account_id: BankId
    idempotency_key: IdempotencyKey


class Payment(Theirs):
    payment_id: str = Field(alias="paymentId")
    status: Literal["COMPLETED"]
    receipt_number: str = Field(alias="receiptNumber")
    service_code: ServiceCode = Field(alias="serviceCode")
    account: str
    amount: PositiveMinorUnits
    currency: CurrencyCode
    paid_at: datetime = Field(alias="paidAt")
