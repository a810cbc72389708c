"""What travels through the topup journey, and the acquirer's callback as our webhook answers it.

The state carries references and display text (the acquirer's payment id and link, the card's mask,
the amount as text). The paying card is another bank's: only the acquirer sees its number.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from messenger_bank.types import CurrencyCode, CustomerId, Language, PositiveMinorUnits

# The execution name the conversation gives the journey; it is also the acquirer's order id.
TopUpId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Outcome = Literal["completed"]
ACQUIRER_TASK = "acquirer"


class CallbackOutcome(BaseModel):
    """What the callback completes the wait with: a signal only; the credit asks the acquirer itself."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    status: str = ""
    payment_id: str = ""


class TopUpState(BaseModel):
    """The topup journey's state between steps (Step Functions input and output)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    customer_id: CustomerId
    amount_minor: PositiveMinorUnits
    currency: CurrencyCode
    chat_key: str = Field(min_length=3, max_length=160)
    language: Language = "ru"
    topup_id: TopUpId | None = None
    card_id: str | None = None
    mask: str = ""
    amount: str = ""
    payment_id: str | None = None
    payment_url: str | None = None
    wait_seconds: int = 1200
    callback: CallbackOutcome | None = None
    credit_id: str | None = None
    outcome: Outcome | None = None
    # What of the top-up repaid the credit line, and the credit still in use after it (minor units and as
    # the receipt says them): money in repays the debt first.
    repaid_minor: int = Field(default=0, ge=0)
    repaid: str = ""
    credit_used: str = ""

    def require_topup_id(self) -> str:
        if self.topup_id is None:
            raise ValueError("the top-up has no id: StartTopUp sets it from the execution name")
        return self.topup_id

    def require_payment(self) -> str:
        if self.payment_id is None:
            raise ValueError("the top-up has no acquirer payment yet")
        return self.payment_id


class ParkTopUpRequest(TopUpState):
    """AwaitPayment: the task token, parked under `<execution>:acquirer`, before the link is sent."""

    task_token: str = Field(min_length=1, max_length=2048, repr=False)

    @property
    def reference(self) -> str:
        return f"{self.require_topup_id()}:{ACQUIRER_TASK}"


class LinkSent(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    reference: str
    delivered: bool
