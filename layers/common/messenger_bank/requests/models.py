"""What the money-request operations take and answer, and a request as the customers table keeps it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from messenger_bank.types import CurrencyCode, CustomerId, Language, PositiveMinorUnits

RequestId = Annotated[str, StringConstraints(pattern=r"^mr[0-9a-p]{24}$")]
Phone = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{7,14}$")]
Status = Literal["pending", "paying", "paid", "declined"]
Action = Literal["pay", "decline"]
# What a Pay / Decline button carries after `g:go:money_request:open:` (see conversation/engine.py).
Ref = Annotated[str, StringConstraints(pattern=r"^(pay|decline)\.mr[0-9a-p]{24}$")]


class RequestMoneyRequest(BaseModel):
    """The conversation's `request_money` operation (messenger_bank/operations.py)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    phone: Phone
    amount_minor: PositiveMinorUnits
    currency: CurrencyCode
    language: Language = "ru"


class MoneyRequested(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    request_id: RequestId
    delivered: bool


class MoneyRequest(BaseModel):
    """`MONEYREQ#<id>` / `REQUEST` in the customers table (TTL)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    request_id: RequestId
    requester_id: CustomerId
    payer_id: CustomerId
    amount_minor: PositiveMinorUnits
    currency: CurrencyCode
    status: Status = "pending"
    attempt: int = Field(default=0, ge=0)
    created_at: datetime
    expires_at: int


class OpenMoneyRequest(BaseModel):
    """The payer pressed Pay or Decline: `ref` is `<action>.<request id>` from the button."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    ref: Ref


class MoneyRequestView(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    request_id: RequestId
    action: Action
    requester: str
    amount_minor: PositiveMinorUnits
    currency: CurrencyCode
    amount: str


class AnswerMoneyRequest(BaseModel):
    """`pay_money_request` / `decline_money_request`: the payer and the request; `code` is the one-time
    code the payer typed when paying asked for one (the step-up policy)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid", hide_input_in_errors=True)

    customer_id: CustomerId
    request_id: RequestId
    code: str = Field(default="", max_length=16, repr=False)


class MoneyRequestAnswered(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    request_id: RequestId
    status: Status
    amount: str
    operation_id: str | None = None
