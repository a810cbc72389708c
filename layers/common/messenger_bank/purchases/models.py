"""A card event as core banking sends it, and the cashback accrual the bank records for it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from messenger_bank.journeys.monthly import MonthlyItem, MonthlyRun, MonthlyRunInput, MonthlyRunStart
from messenger_bank.types import CurrencyCode, CustomerId, Month, PositiveMinorUnits

# An authorization held is a reservation (told, no cashback); cleared, it is a purchase_cleared for the
# cleared amount (cashback then); reversed or expired, it is released (told, nothing accrued).
CardEventKind = Literal[
    "purchase_cleared", "purchase_declined", "purchase_refunded", "authorization_held", "authorization_released"
]
# The kinds that move no money: they earn no cashback.
NO_MONEY_MOVED: frozenset[str] = frozenset({"purchase_declined", "authorization_held", "authorization_released"})
EventId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_:.-]{1,64}$")]
Mcc = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]


class CardEvent(BaseModel):
    """POST /internal/card-events: what happened to a purchase on one of our cards. Tolerant: the bank
    may add fields."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    event_id: EventId
    kind: CardEventKind
    purchase_id: str | None = Field(
        default=None, max_length=80, description="none for a declined purchase and a held or released authorization"
    )
    authorization_id: str | None = Field(
        default=None, max_length=80, description="the authorization held, released or cleared (none: one step)"
    )
    card_id: str = Field(min_length=1, max_length=64)
    amount_minor: PositiveMinorUnits
    currency: CurrencyCode
    mcc: Mcc
    merchant: str = Field(min_length=1, max_length=60)
    partner: str | None = Field(default=None, max_length=40, description="the partner id when the merchant is one")
    reason: str | None = Field(
        default=None, pattern=r"^[a-z_]{1,40}$", description="why it was declined, or released (reversed, expired)"
    )
    available_minor: int = Field(description="what the card can spend after it, as core banking counts")
    occurred_at: datetime


class CashbackAccrual(BaseModel):
    """One event's cashback, recorded once per event id: positive for a purchase, negative for a refund,
    zero for a declined purchase (kept so that a repeated decline is not told twice)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    event_id: EventId
    customer_id: CustomerId
    kind: CardEventKind
    purchase_id: str | None = None
    card_id: str
    amount_minor: PositiveMinorUnits
    currency: CurrencyCode
    mcc: Mcc
    merchant: str
    partner: str | None = None
    rate_percent: Decimal
    cashback_minor: int
    month: Month = Field(description="the bank's calendar month the cashback counts in")
    occurred_at: datetime
    told_at: datetime | None = None

    def same_event(self, other: CashbackAccrual) -> bool:
        """Another delivery of the same event (the id says so; the facts must agree too)."""
        facts = ("kind", "purchase_id", "card_id", "amount_minor", "currency")
        return all(getattr(self, name) == getattr(other, name) for name in facts)


def next_month(month: str) -> str:
    """``2026-12`` → ``2027-01``."""
    year, number = (int(part) for part in month.split("-"))
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


class CashbackPayout(BaseModel):
    """A customer's month of cashback at its payout: closed to new accruals, then paid into the card (or
    nothing to pay, when the month's net accrual is not above zero). One per customer and month."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    customer_id: CustomerId
    month: Month
    status: Literal["closed", "paid", "nothing"]
    amount_minor: int = 0
    operation_id: str | None = None
    closed_at: datetime
    settled_at: datetime | None = None
    told_at: datetime | None = None


class CardEventOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    event_id: str
    accrued: bool = Field(description="false: the event was recorded before, nothing is accrued again")
    cashback_minor: int
    told: Literal["told", "unreachable", "already_told", "no_chat"]


# --- the month's payout journey (statemachines/cashback_payout.asl.yaml) ---------------------------------
PayoutStartInput = MonthlyRunInput
PayoutStart = MonthlyRunStart
PayoutRun = MonthlyRun  # the month to pay and the customers with an accrual counted in it
PayoutItem = MonthlyItem


class PayoutTelling(MonthlyItem):
    """A customer's month just paid, to be told, by the run that paid it (its correlation id: the parent
    execution's name), which claims the telling: a try again within the run finds its own claim, a later run
    finds another's."""

    run: str | None = Field(default=None, min_length=1, max_length=80)


class PayoutOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    month: Month
    outcome: Literal["paid", "nothing_to_pay", "already_settled"]
    amount_minor: int = Field(ge=0)
    currency: CurrencyCode
    operation_id: str | None = None


class PayoutNotice(BaseModel):
    """One chat's notice of the payout, as NotifyCustomerFunction takes it."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    chat_key: str
    language: Literal["ru", "be", "en"]
    message: Literal["cashback.paid"] = "cashback.paid"
    values: dict[str, str]
    picture_url: str | None = None


class PayoutNotices(BaseModel):
    """Every chat of the customer to tell, none when the payout was told already (or no chat is known)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    notices: tuple[PayoutNotice, ...]
