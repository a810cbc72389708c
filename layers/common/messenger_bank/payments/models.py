"""What the payment operations answer, what a payment quote and a saved payee keep, and what travels
through the bill_payment journey.

The journey's state carries references and display text only (quote id, payment id, the payee's name,
the account masked, amounts as text): the account itself stays in the quote, in the customers table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from messenger_bank.banking.models import PayeeCategory, ServiceCode
from messenger_bank.quotes import QuoteFigures
from messenger_bank.types import CurrencyCode, CustomerId, Language, MaskedPan, PositiveMinorUnits, ReceiptMessage

PaymentQuoteId = Annotated[str, StringConstraints(pattern=r"^pq-[0-9a-p]{32}$")]
# The execution name the conversation gives the journey: letters, digits, '-' and '_', at most 80.
PaymentId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,80}$")]
Account = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[+0-9A-Za-z]+$")]


def mask_account(account: str) -> str:
    """``+375291234567`` → ``+375***567``: enough to recognise, too little to reuse."""
    return account if len(account) <= 6 else f"{account[:4]}***{account[-3:]}"


# --- operations -------------------------------------------------------------------------------------
class ListPayeesRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    category: PayeeCategory


class PayeeItem(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    payee_id: ServiceCode
    name: str
    account_label: str


class PayeeList(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    items: list[PayeeItem]


class CheckPayeeAccountRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    payee_id: ServiceCode
    account: Account


class PayeeAccountCheck(BaseModel):
    """The payee knows the account; `amount_due` is text ("" when the payee has none)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    payee_id: ServiceCode
    account: Account
    holder: str
    has_amount_due: bool
    amount_due: str
    amount_due_minor: int | None = None


class QuotePaymentRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    payee_id: ServiceCode
    account: Account
    amount_minor: PositiveMinorUnits
    currency: CurrencyCode


class PaymentQuoteView(QuoteFigures):
    """What the confirmation shows: every text it needs, and the figures in minor units."""

    quote_id: PaymentQuoteId
    payee: str
    account: Account
    otp_required: bool
    expires_at: int


class PaymentQuote(BaseModel):
    """A payment quote as kept in the customers table (`PAYQUOTE#<id>`, TTL): the journey gets its id."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    quote_id: PaymentQuoteId
    customer_id: CustomerId
    service_code: ServiceCode
    payee_name: str = Field(min_length=1, max_length=80)
    category: PayeeCategory
    account: Account
    source_card_id: str = Field(min_length=1, max_length=64)
    source_mask: MaskedPan
    source_account_id: str = Field(min_length=1, max_length=64)
    amount_minor: PositiveMinorUnits
    fee_minor: int = Field(default=0, ge=0)
    currency: CurrencyCode
    otp_required: bool = False
    created_at: datetime
    expires_at: int
    payment_id: PaymentId | None = None

    @property
    def total_minor(self) -> int:
        return self.amount_minor + self.fee_minor


class CustomerRequest(BaseModel):
    """`list_saved_payees` and `last_payment`: the customer is all they need."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId


class SavedPayee(BaseModel):
    """A payee the customer has paid (`CUSTOMER#<id>` / `PAYEE#<service code>#<account>`), kept for next time."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    payee_id: ServiceCode
    name: str
    category: PayeeCategory
    account: Account
    last_amount_minor: PositiveMinorUnits
    currency: CurrencyCode
    last_paid_at: datetime


class SavedPayeeItem(BaseModel):
    """One saved payee as the chat offers it: `into: payee` then works like a payee from the catalogue."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    payee_id: ServiceCode
    name: str
    account: Account
    label: str


class SavedPayeeList(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    items: list[SavedPayeeItem]


class LastPayment(BaseModel):
    """What "repeat last payment" quotes again: the same payee, account and amount."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    payee_id: ServiceCode
    name: str
    account: Account
    amount_minor: PositiveMinorUnits
    currency: CurrencyCode
    amount: str


# --- the journey ------------------------------------------------------------------------------------
class BillPaymentState(BaseModel):
    """The bill_payment journey's state between steps (Step Functions input and output)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    quote_id: PaymentQuoteId
    customer_id: CustomerId
    chat_key: str = Field(min_length=3, max_length=160)
    language: Language = "ru"
    payment_id: PaymentId | None = None
    otp_required: bool = False
    confirm_timeout_seconds: int = 900
    payee: str = ""
    account: str = ""
    amount: str = ""
    fee: str = ""
    total: str = ""
    bank_payment_id: str | None = None
    receipt_number: str | None = None
    picture_url: str | None = None
    # The "in progress" message the receipt edits where the messenger can (its id, nothing personal).
    receipt_message: ReceiptMessage = ReceiptMessage()

    def require_payment_id(self) -> str:
        if self.payment_id is None:
            raise ValueError("the payment has no id: PreparePayment sets it from the execution name")
        return self.payment_id
