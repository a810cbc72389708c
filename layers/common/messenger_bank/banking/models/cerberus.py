"""Cerberus' answers: the security screening, the credit scoring, one-time codes and card proofs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from messenger_bank.banking.models import Theirs
from messenger_bank.types import CurrencyCode, CustomerId, MinorUnits


class Screening(Theirs):
    screening_id: str
    decision: Literal["clear", "rejected"]
    reasons: list[str] = Field(default_factory=list)
    existing_customer_id: str | None = None


class CreditScoring(Theirs):
    """Cerberus's credit scoring of a customer: the card's credit limit; refused is a limit of 0."""

    scoring_id: str
    decision: Literal["approved", "refused"]
    credit_limit: MinorUnits
    currency: CurrencyCode

    @model_validator(mode="after")
    def refused_is_no_credit(self) -> CreditScoring:
        if (self.decision == "refused") != (self.credit_limit == 0):
            raise ValueError("a refused scoring grants no credit, an approved one some")
        return self


class OneTimeCode(Theirs):
    otp_id: str
    expires_at: datetime


class OneTimeCodeCheck(Theirs):
    valid: bool
    attempts_left: int


class CardProof(Theirs):
    """Cerberus's answer to "does the customer with this phone hold this card": yes (and who) or no."""

    proven: bool
    customer_id: CustomerId | None = None
