"""Programs: the operations of this context that the conversation calls, each one's contract.

Declared beside the context's models (messenger_bank/operations.py says what a declaration holds), so that an
operation's function loads its own context's models and no other's."""

from __future__ import annotations

from messenger_bank.operations import Operation
from messenger_bank.programs.errors import (
    CategoryUnavailable,
    OfferUnavailable,
    ProgramDisabled,
    RecommendationRefused,
)
from messenger_bank.programs.models import (
    ActivateOfferRequest,
    CashbackCategoriesChosen,
    CashbackCategoryList,
    CashbackInfo,
    ChooseCashbackCategoryRequest,
    GetCashbackRequest,
    GetRecommendationsRequest,
    GetReferralRequest,
    ListCashbackCategoriesRequest,
    ListOffersRequest,
    OfferActivated,
    OfferList,
    RecommendationsInfo,
    Recommended,
    RecommendRequest,
    ReferralInfo,
)

GET_REFERRAL = Operation(
    "get_referral", GetReferralRequest, ReferralInfo, errors=(ProgramDisabled,), session="customer"
)

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

LIST_OFFERS = Operation("list_offers", ListOffersRequest, OfferList, session="customer")

ACTIVATE_OFFER = Operation(
    "activate_offer", ActivateOfferRequest, OfferActivated, errors=(OfferUnavailable,), session="customer"
)

GET_CASHBACK = Operation("get_cashback", GetCashbackRequest, CashbackInfo, session="customer")

LIST_CASHBACK_CATEGORIES = Operation(
    "list_cashback_categories",
    ListCashbackCategoriesRequest,
    CashbackCategoryList,
    errors=(CategoryUnavailable,),
    session="customer",
)

CHOOSE_CASHBACK_CATEGORY = Operation(
    "choose_cashback_category",
    ChooseCashbackCategoryRequest,
    CashbackCategoriesChosen,
    errors=(CategoryUnavailable,),
    session="customer",
)
