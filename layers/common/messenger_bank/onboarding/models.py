"""What an application holds, and what travels through the card-issuance journey.

The journey's state carries references only (application id, chat, customer id, card mask): names,
passport and card numbers never enter Step Functions' input, output or history.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.types import Channel, Language


# Every model here is built on its first use (defer_build): each card-issuance step validates with one or two.
class ApplicationForm(BaseModel):
    """What the applicant typed (validated by the conversation); kept sealed, never logged."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid", hide_input_in_errors=True)

    chat_key: str = Field(min_length=3, max_length=160)
    channel: Channel
    user_id: str = Field(min_length=1, max_length=128)
    language: Language
    phone: str = Field(pattern=r"^\+[1-9]\d{7,14}$")
    phone_verified: bool = False
    full_name: str = Field(min_length=3, max_length=200, repr=False)
    date_of_birth: date = Field(repr=False)
    passport_number: str = Field(pattern=r"^[A-Z]{2}\d{7}$", repr=False)
    personal_id: str = Field(pattern=r"^[0-9A-Z]{14}$", repr=False)
    issue_date: date | None = Field(default=None, repr=False)
    referral: str | None = Field(default=None, max_length=32)
    # The consent step's answer: "agree" (personal data only) or "marketing" (offers too).
    consent: Literal["agree", "marketing"] = "agree"


class SavedApplication(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    application_id: str


class IssuedCardView(BaseModel):
    """The card as the journey may carry it: the bank's id and the mask, never the number."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    card_id: str
    mask: str
    expiry: str
    # No defaults: the view is always the bank's answer (issue_virtual_card), never a guess.
    product: str
    cashback_category: str
    # The credit line the account was opened with (minor units; 0: the scoring refused, a debit card),
    # and the sentence telling it in the journey's language (the card-issued message's {credit_line}).
    credit_limit: int = Field(ge=0)
    credit_line: str
    # What the programme gives, as the card-issued message says it ("2 %", "33 %"): programs/terms.yaml.
    cashback_from: str
    cashback_to: str


class IssuanceState(BaseModel):
    """The card-issuance journey's state between steps (Step Functions input/output)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    application_id: str = Field(pattern=r"^app-[0-9a-p]{32}$")
    chat_key: str = Field(min_length=3, max_length=160)
    language: Language = "ru"
    customer_id: str | None = None
    customer_created: bool | None = None
    card: IssuedCardView | None = None
    picture_url: str | None = None


class SendCodeRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    phone: str = Field(pattern=r"^\+[1-9]\d{7,14}$")
    chat_key: str = Field(min_length=3, max_length=160)


class CodeSent(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    sent: bool


class CheckCodeRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid", hide_input_in_errors=True)

    phone: str = Field(pattern=r"^\+[1-9]\d{7,14}$")
    code: str = Field(pattern=r"^\d{4,8}$", repr=False)
    chat_key: str = Field(min_length=3, max_length=160)


class CodeChecked(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    valid: bool
    locked: bool = False
