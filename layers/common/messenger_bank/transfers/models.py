"""What the transfer quote answers, what a quote keeps, and what travels through the transfer journey.

The journey's state carries references only (quote id, transfer id, the bank's debit id, masks and
display amounts): the recipient's card number stays in the card vault behind the quote's token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from messenger_bank.quotes import QuoteFigures
from messenger_bank.types import (
    CardToken,
    CurrencyCode,
    CustomerId,
    Language,
    MaskedPan,
    PositiveMinorUnits,
    ReceiptMessage,
)

QuoteId = Annotated[str, StringConstraints(pattern=r"^q-[0-9a-p]{32}$")]
# The execution name the conversation gives the journey: letters, digits, '-' and '_', at most 80.
TransferId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,80}$")]
Outcome = Literal["completed", "refunded", "voided", "not_debited"]


class QuoteTransferRequest(BaseModel):
    """The conversation's `quote_transfer` operation (messenger_bank/operations.py)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    card_token: CardToken
    amount_minor: PositiveMinorUnits
    currency: CurrencyCode


class TransferQuote(QuoteFigures):
    """The answer the confirmation shows: `fee` and `total` as text, the figures in minor units."""

    quote_id: QuoteId
    mask: MaskedPan
    otp_required: bool
    expires_at: int


class Quote(BaseModel):
    """A quote as kept in the customers table (`QUOTE#<id>`, TTL): the journey receives only its id."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    quote_id: QuoteId
    customer_id: CustomerId
    card_token: CardToken
    mask: MaskedPan
    source_card_id: str = Field(min_length=1, max_length=64)
    source_mask: MaskedPan
    amount_minor: PositiveMinorUnits
    fee_minor: int = Field(ge=0)
    currency: CurrencyCode
    otp_required: bool
    created_at: datetime
    expires_at: int
    transfer_id: TransferId | None = None

    @property
    def total_minor(self) -> int:
        return self.amount_minor + self.fee_minor


class TransferState(BaseModel):
    """The transfer journey's state between steps (Step Functions input and output)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    quote_id: QuoteId
    customer_id: CustomerId
    chat_key: str = Field(min_length=3, max_length=160)
    language: Language = "ru"
    transfer_id: TransferId | None = None
    otp_required: bool = False
    confirm_timeout_seconds: int = 900
    mask: str = ""
    amount: str = ""
    fee: str = ""
    total: str = ""
    debit_id: str | None = None
    credit_id: str | None = None
    outcome: Outcome | None = None
    picture_url: str | None = None
    # The "in progress" message the receipt edits where the messenger can (its id, nothing personal).
    receipt_message: ReceiptMessage = ReceiptMessage()

    def require_transfer_id(self) -> str:
        if self.transfer_id is None:
            raise ValueError("the transfer has no id: PrepareTransfer sets it from the execution name")
        return self.transfer_id


RecipientOutcome = Literal[
    "told", "unreachable", "already_told", "not_our_customer", "own_card", "no_chat", "not_completed"
]


class RecipientTold(BaseModel):
    """What telling the recipient came to: `delivered` counts the chats the notice reached."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    outcome: RecipientOutcome
    delivered: int = Field(default=0, ge=0)


class ParkRequest(BaseModel):
    """A `.waitForTaskToken` step: keep the token under `<execution>:<task>` until the customer answers."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    execution: TransferId
    task: Literal["confirm", "otp"]
    task_token: str = Field(min_length=1, max_length=2048, repr=False)
    chat_key: str = Field(min_length=3, max_length=160)
    quote_id: QuoteId
    customer_id: CustomerId

    @property
    def reference(self) -> str:
        return f"{self.execution}:{self.task}"


class Parked(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    reference: str


class CodeAnswer(BaseModel):
    """What the conversation sends for the `otp` task (the flow's `outcome_field: code`)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore", hide_input_in_errors=True)

    code: str = Field(default="", max_length=16, repr=False)
    decision: str | None = None


class CheckCodeRequest(TransferState):
    otp: CodeAnswer = Field(default_factory=CodeAnswer, repr=False)
