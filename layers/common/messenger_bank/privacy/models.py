"""What "My data", withdrawing a consent and forgetting a customer take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.types import CustomerId, Language

# personal_data: the processing of personal data, without which no card is opened (onboarding's consent step).
# marketing: offers, recommendations and partner programs sent by the bank unasked (optional, withdrawable).
ConsentKind = Literal["personal_data", "marketing"]
CONSENT_KINDS: tuple[ConsentKind, ...] = ("personal_data", "marketing")


class Consent(BaseModel):
    """A consent as last recorded: given or not, and when that was said."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    kind: ConsentKind
    given: bool
    at: datetime = Field(description="when it was given, refused or withdrawn")
    withdrawn: bool = Field(default=False, description="given once, then withdrawn (at `at`)")


class MyDataRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    chat_key: str = Field(min_length=3, max_length=160, description="the chat asking: shown as this chat")
    language: Language


class MyData(BaseModel):
    """What the bot keeps about the customer, every personal value masked, as one text the chat shows."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    text: str
    marketing: bool = Field(description="the marketing consent stands (the flow offers to withdraw it)")


class WithdrawConsentRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    kind: Literal["marketing"] = Field(
        default="marketing", description="only marketing: the personal-data consent ends with forgetting"
    )
    language: Language


class ConsentWithdrawn(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    withdrawn: bool = Field(description="False: it was not given (or withdrawn already); nothing changed")
    when: str = Field(description="when it stands withdrawn since, as the customer reads it")


class ForgetRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    chat_key: str = Field(min_length=3, max_length=160)
    language: Language


class Forgotten(BaseModel):
    """`customer_id` None: the asking chat is a stranger's now; `forget_chat`: its session goes too."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: None = None
    forget_chat: Literal[True] = True
    erasure_id: str
    erased: int = Field(ge=0, description="records erased or anonymised, S3 objects included")


class ErasureAudit(BaseModel):
    """The audit record that a customer was forgotten: who asked (the customer, proven how), when, and how
    many records of each category went. No id, chat, phone or name of the customer: none is needed to show
    the erasure happened, and keeping one would undo it."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    erasure_id: str
    erased_at: datetime
    requested_by: Literal["customer"] = "customer"
    channel: str = Field(description="the messenger the request came from")
    proof: str = Field(description="what proved the request was the customer's")
    categories: dict[str, int]
    kept: str = Field(description="what was left, and where")
