"""The invite programme (programs/invite.py): a referrer's share links and progress, the operation that shows them
(get_referral), and the card-issuance journey's bonus step's request and answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.operations import Operation
from messenger_bank.programs.errors import ProgramDisabled
from messenger_bank.programs.models import Attribution, BonusRecord, BonusRole, ProgramModel
from messenger_bank.types import (
    Channel,
    CurrencyCode,
    CustomerId,
    Language,
    MinorUnits,
)


class ShareLinks(ProgramModel):
    """The referral code as a link on each messenger; the newcomer's first message carries the code."""

    code: str
    telegram: str
    viber: str
    whatsapp: str
    messenger: str

    def for_channel(self, channel: Channel) -> str:
        link: str = getattr(self, channel)
        return link


class CardIssuedOutcome(ProgramModel):
    attribution: Attribution
    referrer_bonus: BonusRecord
    newcomer_bonus: BonusRecord


class ReferralProgress(ProgramModel):
    """ "3 friends joined, 2 bonuses paid": what the bot shows the referrer."""

    customer_id: CustomerId
    invited: int = Field(description="friends attributed to this customer")
    joined: int = Field(description="of them, those whose card is issued")
    bonuses_paid: int
    bonus_total_minor: MinorUnits
    currency: CurrencyCode
    invited_this_month: int
    monthly_cap: int


class GetReferralRequest(ProgramModel):
    customer_id: CustomerId
    channel: Channel
    language: Language | None = Field(default=None, description="money and the picture in it; else the customer's")


class ReferralInfo(ProgramModel):
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


class CreditReferralBonusesRequest(BaseModel):
    """The card-issuance journey's state as its bonus step needs it (the rest of it is ignored)."""

    # Built on first use: only the bonus step validates with it, and the referral's operations share its module.
    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    customer_id: CustomerId | None = None
    card: dict[str, Any] | None = Field(default=None, description="present when this journey issued a card")


class ReferralBonusesResult(ProgramModel):
    """What the card-issuance bonus step did: references and figures only."""

    customer_id: CustomerId | None
    invite_bonuses: tuple[BonusRole, ...] = Field(default=(), description="the invite bonuses now credited")
    milestone_bonuses: tuple[int, ...] = ()


# --- the operations (functions/operations/<name>/) ---------------------------------------------------------------
GET_REFERRAL = Operation(
    "get_referral", GetReferralRequest, ReferralInfo, errors=(ProgramDisabled,), session="customer"
)
