"""The partners' offers, their activations and cashback rules."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, ValidationError, ValidatorFunctionWrapHandler, field_validator

from messenger_bank.banking.models import PartnerId, Theirs
from messenger_bank.types import HexColour, MinorUnits


class OfferBrand(Theirs):
    """A partner's colours as its API gives them: the offer's ground and the text on it."""

    background: HexColour
    foreground: HexColour


class Offer(Theirs):
    offer_id: str
    partner: PartnerId
    partner_name: str
    title: str
    category: str
    cashback_percent: Annotated[int, Field(ge=2, le=33)]
    valid_until: date
    # The offer's picture and colours are a nicety: a partner sending them malformed loses them, not the offer.
    brand: OfferBrand | None = None
    image_url: str | None = Field(default=None, max_length=1024)

    @field_validator("brand", "image_url", mode="wrap")
    @classmethod
    def _dropped_when_malformed(cls, value: object, handler: ValidatorFunctionWrapHandler) -> object:
        try:
            return handler(value)
        except ValidationError:
            return None


class Activation(Theirs):
    activation_id: str
    offer_id: str
    status: str
    promo_code: str


class CashbackRule(Theirs):
    category: str
    percent: Annotated[int, Field(ge=2, le=33)]
    max_per_month: MinorUnits
