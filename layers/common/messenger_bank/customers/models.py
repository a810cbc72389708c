"""The bank's customers as this bot knows them. Names, passport and card numbers are not here: the
bank holds those; the bot keeps references, masks and the messenger identities a customer uses."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.types import Channel, CustomerId, Language, MaskedPan


# Every model here is built on its first use (defer_build): a function uses a few of these (its repository's
# rows, or one operation's request and answer), and building them all at import was ~9 ms of its init.
class ChannelIdentity(BaseModel):
    """One messenger account: a customer may use several."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    channel: Channel
    user_id: str = Field(min_length=1, max_length=128)
    chat_id: str = Field(min_length=1, max_length=128)

    @property
    def key(self) -> str:
        return f"{self.channel}#{self.user_id}"


class Binding(BaseModel):
    """A chat bound to a customer: the id a button or the chat list names it by, and since when."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    binding_id: str = Field(pattern=r"^b_[a-p]{20}$")
    customer_id: CustomerId
    identity: ChannelIdentity
    bound_at: datetime | None = Field(default=None, description="None for a chat bound before this was kept")

    @property
    def chat_key(self) -> str:
        return f"{self.identity.channel}:{self.identity.chat_id}"


class Customer(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

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

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

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

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    bank_customer_id: str = Field(min_length=1, max_length=64)
    phone: str = Field(pattern=r"^\+[1-9]\d{7,14}$")
    language: Language
    identity: ChannelIdentity
    referred_by_code: str | None = None


class CustomerLink(BaseModel):
    """The outcome of find-or-create: which customer, and whether they were new."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer: Customer
    created: bool


# ---------------------------------------------------------------- "My chats" and "This wasn't me"
class ListChatsRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    chat_key: str = Field(min_length=3, max_length=160, description="the chat asking: shown as this chat")
    language: Language


class BoundChat(BaseModel):
    """One bound chat as the list shows it; `binding_id` is what the customer's choice names."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    binding_id: str
    messenger: str
    bound: str = Field(description="when it was bound, as the customer reads it")
    this_chat: bool
    label: str = Field(description="the button")
    line: str = Field(description="the line of the list")


class ChatList(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    items: list[BoundChat]
    text: str = Field(description="the list, one line a chat")


class RemoveChatRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    chat_key: str = Field(min_length=3, max_length=160)
    binding_id: str = Field(min_length=1, max_length=48)
    language: Language


class ChatRemoved(BaseModel):
    """`customer_id` is None when the chat removed was the one asking: it is now a stranger's."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId | None
    this_chat: bool
    messenger: str


class DisownChatRequest(BaseModel):
    """ "This wasn't me" pressed: `ref` is the binding id the announcement's button carried."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    chat_key: str = Field(min_length=3, max_length=160)
    ref: str = Field(min_length=1, max_length=48)
    language: Language


class ChatDisowned(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    messenger: str
    bound: str
