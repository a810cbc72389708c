"""The partners' offers (programs/partner_offers.py): an offer as shown, and its two operations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from messenger_bank.operations import Operation
from messenger_bank.programs.colours import BrandColours
from messenger_bank.programs.errors import OfferUnavailable
from messenger_bank.programs.models import ProgramModel
from messenger_bank.types import (
    CustomerId,
    Language,
)


class Offer(ProgramModel):
    offer_id: str
    partner: str
    partner_name: str
    title: str
    category: str
    cashback_percent: Decimal
    valid_until: date | None = None
    colours: BrandColours | None = Field(default=None, description="the partner's API's, else the document's")
    image_url: str | None = Field(default=None, description="the offer's picture at the partner (live offers)")


class ListOffersRequest(ProgramModel):
    customer_id: CustomerId
    language: Language = "ru"


class OfferItem(ProgramModel):
    offer_id: str
    partner: str
    title: str = Field(description="the button's label: partner and offer")
    cashback: str


class OfferList(ProgramModel):
    items: tuple[OfferItem, ...]
    picture_url: str | None = Field(default=None, description="the offers picture: each offer in its partner's colours")


class ActivateOfferRequest(ProgramModel):
    customer_id: CustomerId
    offer_id: str = Field(min_length=1, max_length=64)


class OfferActivated(ProgramModel):
    offer_id: str
    partner: str
    title: str
    cashback: str
    promo_code: str | None = None
    newly_activated: bool


# --- the operations (functions/operations/<name>/) ---------------------------------------------------------------
LIST_OFFERS = Operation("list_offers", ListOffersRequest, OfferList, session="customer")

ACTIVATE_OFFER = Operation(
    "activate_offer", ActivateOfferRequest, OfferActivated, errors=(OfferUnavailable,), session="customer"
)
