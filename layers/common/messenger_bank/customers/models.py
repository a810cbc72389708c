"""The bank's customers as this bot knows them. Names, passport and card numbers are not here: the
bank holds those; the bot keeps references, masks and the messenger identities a customer uses."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.types import Channel, CustomerId, Language, MaskedPan


class ChannelIdentity(BaseModel):
    """One messenger account: a customer may use several."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Channel
    user_id: str = Field(min_length=1, max_length=128)
    chat_id: str = Field(min_length=1, max_length=128)

    @property
    def key(self) -> str:
        return f"{self.channel}#{self.user_id}"


class Customer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: CustomerId
    bank_customer_id: str = Field(min_length=1, max_length=64, description="the core banking system's id")
    phone: str = Field(pattern=r"^\+[1-9]\d{7,14}$")
    language: Language
    referral_code: str = Field(pattern=r"^[A-Z0-9]{6,12}$")
    referred_by: CustomerId | None = None
    created_at: datetime


CardStatus = Literal["active", "blocked", "closed"]
CardKind = Literal["virtual", "plastic"]


class Card(BaseModel):
    """A card as the bot shows it: the bank's card id, the mask, never the number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    card_id: str = Field(min_length=1, max_length=64)
    customer_id: CustomerId
    mask: MaskedPan
    kind: CardKind = "virtual"
    scheme: str = Field(default="visa", max_length=16)
    expiry: str = Field(pattern=r"^(0[1-9]|1[0-2])/\d{2}$")
    status: CardStatus = "active"
    issued_at: datetime


class NewCustomer(BaseModel):
    """What becoming a customer takes, once the bank has accepted the person."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bank_customer_id: str = Field(min_length=1, max_length=64)
    phone: str = Field(pattern=r"^\+[1-9]\d{7,14}$")
    language: Language
    identity: ChannelIdentity
    referred_by_code: str | None = None


class CustomerLink(BaseModel):
    """The outcome of find-or-create: which customer, and whether they were new."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer: Customer
    created: bool
