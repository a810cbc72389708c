"""The "recommend the bank" programme (programs/recommend.py): its progress and its two operations."""

from __future__ import annotations

from pydantic import Field

from messenger_bank.operations import Operation
from messenger_bank.programs.errors import ProgramDisabled, RecommendationRefused
from messenger_bank.programs.models import ProgramModel
from messenger_bank.types import (
    Channel,
    CurrencyCode,
    CustomerId,
    Language,
    MinorUnits,
)


class RecommendationProgress(ProgramModel):
    customer_id: CustomerId
    recommended: int
    converted: int
    milestones_reached: tuple[int, ...]
    next_milestone: int | None
    to_next_milestone: int | None
    bonus_total_minor: MinorUnits
    currency: CurrencyCode


class GetRecommendationsRequest(ProgramModel):
    customer_id: CustomerId
    channel: Channel
    language: Language | None = None


class RecommendationsInfo(ProgramModel):
    link: str
    recommended: int
    count: int = Field(description="recommendations that became customers")
    next_milestone: int = Field(description="converted recommendations of the next bonus (the last when all paid)")
    to_next_milestone: int
    bonus: str = Field(description="the next milestone's bonus, formatted")
    earned: str


class RecommendRequest(ProgramModel):
    customer_id: CustomerId
    phone: str = Field(min_length=5, max_length=32)


class Recommended(ProgramModel):
    contact: str = Field(description="the contact's phone, masked")
    recommended: int


# --- the operations (functions/operations/<name>/) ---------------------------------------------------------------
GET_RECOMMENDATIONS = Operation(
    "get_recommendations",
    GetRecommendationsRequest,
    RecommendationsInfo,
    errors=(ProgramDisabled,),
    session="customer",
)

RECOMMEND = Operation(
    "recommend", RecommendRequest, Recommended, errors=(RecommendationRefused, ProgramDisabled), session="customer"
)
