"""What the programmes keep and share: attributions, bonuses, recommendations, offer activations and the card
operations cashback is computed on. Money is integer minor units plus an ISO code.

Each programme's own models, the requests and answers of its operations and their declarations are in
programs/<programme>_operations.py (referral, recommend, offer, cashback), so that a programme's function defines its
programme's models and not the thirty of all four (+0.1x of ``import boto3`` at each cold start, issue 20)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from messenger_bank.types import (
    CurrencyCode,
    CustomerId,
    Month,
    PositiveMinorUnits,
)

Program = Literal["invite", "recommend"]
BonusRole = Literal["referrer", "newcomer", "milestone"]


# Built on first use (defer_build): a programme's function validates with a few of its models.
class ProgramModel(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class Attribution(ProgramModel):
    """A newcomer who arrived with a referrer's code. One per newcomer, one per phone and per passport."""

    newcomer_id: CustomerId
    referrer_id: CustomerId
    code: str
    month: Month = Field(description="the calendar month (bank time) it counts against the referrer's cap")
    attributed_at: datetime
    card_issued_at: datetime | None = None


class BonusRecord(ProgramModel):
    """One bonus, keyed by the idempotency key the ledger is credited with: at most one per key."""

    idempotency_key: str
    customer_id: CustomerId
    program: Program
    role: BonusRole
    amount_minor: PositiveMinorUnits
    currency: CurrencyCode
    status: Literal["pending", "credited"]
    claimed_at: datetime
    credited_at: datetime | None = None
    operation_id: str | None = None
    related_customer_id: CustomerId | None = Field(default=None, description="the other side of a referral")
    milestone: int | None = None


class Recommendation(ProgramModel):
    """A contact the customer recommended the bank to; the phone itself is kept only as a hash."""

    recommender_id: CustomerId
    contact_hash: str
    contact_mask: str
    recommended_at: datetime
    converted_at: datetime | None = None
    converted_customer_id: CustomerId | None = None


class OfferActivation(ProgramModel):
    customer_id: CustomerId
    partner: str
    offer_id: str
    title: str
    category: str
    cashback_percent: Decimal
    promo_code: str | None = None
    activation_id: str | None = None
    activated_at: datetime
    newly_activated: bool = Field(default=True, description="false when it was already active (not stored)")


class CardOperation(ProgramModel):
    """A card operation as cashback needs it: a purchase or the refund of one, in the card's currency."""

    operation_id: str = Field(min_length=1, max_length=64)
    kind: Literal["purchase", "refund"] = "purchase"
    amount_minor: PositiveMinorUnits
    currency: CurrencyCode
    mcc: Annotated[str, StringConstraints(pattern=r"^\d{4}$")] | None = None
    category: str | None = Field(default=None, description="when the bank already knows it; else from the MCC")
    partner: str | None = Field(default=None, description="the partner id when the merchant is a partner")
    occurred_at: datetime
