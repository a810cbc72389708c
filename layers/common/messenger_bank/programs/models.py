"""What the programs hand out and keep: share links, attributions, bonuses, recommendations, offers,
card operations and the cashback computed on them. Money is integer minor units plus an ISO code."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from messenger_bank.programs.colours import BrandColours
from messenger_bank.types import (
    Channel,
    CurrencyCode,
    CustomerId,
    Language,
    MinorUnits,
    Month,
    PositiveMinorUnits,
)

Program = Literal["invite", "recommend"]
BonusRole = Literal["referrer", "newcomer", "milestone"]


# Built on first use (defer_build): each programme function validates with two or three of these thirty.
class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class ShareLinks(_Model):
    """The referral code as a link on each messenger; the newcomer's first message carries the code."""

    code: str
    telegram: str
    viber: str
    whatsapp: str
    messenger: str

    def for_channel(self, channel: Channel) -> str:
        link: str = getattr(self, channel)
        return link


class Attribution(_Model):
    """A newcomer who arrived with a referrer's code. One per newcomer, one per phone and per passport."""

    newcomer_id: CustomerId
    referrer_id: CustomerId
    code: str
    month: Month = Field(description="the calendar month (bank time) it counts against the referrer's cap")
    attributed_at: datetime
    card_issued_at: datetime | None = None


class BonusRecord(_Model):
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


class CardIssuedOutcome(_Model):
    attribution: Attribution
    referrer_bonus: BonusRecord
    newcomer_bonus: BonusRecord


class ReferralProgress(_Model):
    """ "3 friends joined, 2 bonuses paid": what the bot shows the referrer."""

    customer_id: CustomerId
    invited: int = Field(description="friends attributed to this customer")
    joined: int = Field(description="of them, those whose card is issued")
    bonuses_paid: int
    bonus_total_minor: MinorUnits
    currency: CurrencyCode
    invited_this_month: int
    monthly_cap: int


class Recommendation(_Model):
    """A contact the customer recommended the bank to; the phone itself is kept only as a hash."""

    recommender_id: CustomerId
    contact_hash: str
    contact_mask: str
    recommended_at: datetime
    converted_at: datetime | None = None
    converted_customer_id: CustomerId | None = None


class RecommendationProgress(_Model):
    customer_id: CustomerId
    recommended: int
    converted: int
    milestones_reached: tuple[int, ...]
    next_milestone: int | None
    to_next_milestone: int | None
    bonus_total_minor: MinorUnits
    currency: CurrencyCode


class Offer(_Model):
    offer_id: str
    partner: str
    partner_name: str
    title: str
    category: str
    cashback_percent: Decimal
    valid_until: date | None = None
    colours: BrandColours | None = Field(default=None, description="the partner's API's, else the document's")
    image_url: str | None = Field(default=None, description="the offer's picture at the partner (live offers)")


class OfferActivation(_Model):
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


class CardOperation(_Model):
    """A card operation as cashback needs it: a purchase or the refund of one, in the card's currency."""

    operation_id: str = Field(min_length=1, max_length=64)
    kind: Literal["purchase", "refund"] = "purchase"
    amount_minor: PositiveMinorUnits
    currency: CurrencyCode
    mcc: Annotated[str, StringConstraints(pattern=r"^\d{4}$")] | None = None
    category: str | None = Field(default=None, description="when the bank already knows it; else from the MCC")
    partner: str | None = Field(default=None, description="the partner id when the merchant is a partner")
    occurred_at: datetime


class CashbackLine(_Model):
    operation_id: str
    kind: Literal["purchase", "refund"]
    amount_minor: int
    category: str | None
    partner: str | None
    rate_percent: Decimal
    source: Literal["offer", "partner", "category", "chosen", "none"]
    cashback_minor: int = Field(description="rounded down to the kopeck; negative for a refund")


class CashbackMonth(_Model):
    month: Month
    currency: CurrencyCode
    total_minor: MinorUnits
    by_category: dict[str, int]
    lines: tuple[CashbackLine, ...]


# --- the operations the conversation and the card-issuance journey call (functions/<operation>/) ------
class GetReferralRequest(_Model):
    customer_id: CustomerId
    channel: Channel
    language: Language | None = Field(default=None, description="money and the picture in it; else the customer's")


class ReferralInfo(_Model):
    """The invite program as the referrer sees it: the code, this messenger's link, the share picture."""

    code: str
    link: str
    picture_url: str | None = Field(default=None, description="the share picture with the link's QR code")
    invited: int = Field(description="friends who came with the code and got their card")
    pending: int = Field(description="friends who came with the code, card not issued yet")
    bonus: str = Field(description="the referrer's bonus for each friend, formatted")
    newcomer_bonus: str
    earned: str = Field(description="invite bonuses paid so far, formatted")
    invited_this_month: int
    monthly_cap: int


class GetRecommendationsRequest(_Model):
    customer_id: CustomerId
    channel: Channel
    language: Language | None = None


class RecommendationsInfo(_Model):
    link: str
    recommended: int
    count: int = Field(description="recommendations that became customers")
    next_milestone: int = Field(description="converted recommendations of the next bonus (the last when all paid)")
    to_next_milestone: int
    bonus: str = Field(description="the next milestone's bonus, formatted")
    earned: str


class RecommendRequest(_Model):
    customer_id: CustomerId
    phone: str = Field(min_length=5, max_length=32)


class Recommended(_Model):
    contact: str = Field(description="the contact's phone, masked")
    recommended: int


class ListOffersRequest(_Model):
    customer_id: CustomerId
    language: Language = "ru"


class OfferItem(_Model):
    offer_id: str
    partner: str
    title: str = Field(description="the button's label: partner and offer")
    cashback: str


class OfferList(_Model):
    items: tuple[OfferItem, ...]
    picture_url: str | None = Field(default=None, description="the offers picture: each offer in its partner's colours")


class ActivateOfferRequest(_Model):
    customer_id: CustomerId
    offer_id: str = Field(min_length=1, max_length=64)


class OfferActivated(_Model):
    offer_id: str
    partner: str
    title: str
    cashback: str
    promo_code: str | None = None
    newly_activated: bool


class GetCashbackRequest(_Model):
    customer_id: CustomerId
    language: Language | None = None


class CashbackInfo(_Model):
    month: Month
    amount: str = Field(description="cashback this month, formatted")
    total_minor: MinorUnits
    currency: CurrencyCode
    categories: str = Field(description="one line per category, formatted")
    by_category: dict[str, int]


class ListCashbackCategoriesRequest(_Model):
    customer_id: CustomerId
    language: Language = "ru"


class CashbackCategoryItem(_Model):
    category: str
    title: str = Field(description="the button's label: the category, its rate, a mark when chosen")


class CashbackCategoryList(_Model):
    month: str = Field(description="the month the choice is for, as the customer reads it")
    pick: int
    chosen: str = Field(description="the categories chosen for it so far, in the customer's words")
    items: tuple[CashbackCategoryItem, ...]


class ChooseCashbackCategoryRequest(_Model):
    customer_id: CustomerId
    category: str = Field(min_length=1, max_length=40)
    language: Language = "ru"


class CashbackCategoriesChosen(_Model):
    month: str
    pick: int
    chosen: str
    replaced: str | None = Field(default=None, description="the category that made room, when the month was full")


class CreditReferralBonusesRequest(BaseModel):
    """The card-issuance journey's state as its bonus step needs it (the rest of it is ignored)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    customer_id: CustomerId | None = None
    card: dict[str, Any] | None = Field(default=None, description="present when this journey issued a card")


class ReferralBonusesResult(_Model):
    """What the card-issuance bonus step did: references and figures only."""

    customer_id: CustomerId | None
    invite_bonuses: tuple[BonusRole, ...] = Field(default=(), description="the invite bonuses now credited")
    milestone_bonuses: tuple[int, ...] = ()
