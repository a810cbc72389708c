"""What the NLU tells the conversation engine about one utterance."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.types import Language

EntityType = Literal["amount", "card_number", "phone", "service"]
Service = Literal["mobile", "utilities", "tv", "internet", "transport"]

INTENTS: tuple[str, ...] = (
    "greeting", "help", "cancel", "language", "get_card", "order_plastic_card", "balance", "block_card",
    "unblock_card", "change_pin", "change_password", "requisites", "transfer", "request_money", "topup",
    "pay", "history", "cashback", "referral", "recommend", "partners", "operator", "sign_in", "card_details",
    "credit_statement", "my_data", "dispute",
)  # fmt: skip
# Intents whose journey moves money: the engine always asks for an explicit confirmation first,
# and the bench counts how often other utterances are mistaken for one of them.
MONEY_MOVING_INTENTS: frozenset[str] = frozenset({"transfer", "pay", "topup", "get_card", "request_money"})


class Entity(BaseModel):
    """One value found in the text.

    amount: "50.00 BYN" (two decimals, a space, the ISO code); card_number: the digits (the caller
    masks them); phone: E.164; service: one of the payment categories.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: EntityType
    value: str


class Understanding(BaseModel):
    """The intent (None when not confident enough), its confidence, entities and language; out_of_scope
    when the text asks for something the bank does not do (news, sports, small talk: intent None)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    intent: str | None
    confidence: float = Field(ge=0.0, le=1.0)
    entities: tuple[Entity, ...]
    language: Language
    out_of_scope: bool = False
