"""What the step-up code's journey steps take and answer (any journey's AwaitCode and CheckCode states)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from messenger_bank.types import CustomerId

# The quote's id (transfers, bill payments) or the money request's attempt: what a code confirms.
Challenge = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_:-]{1,120}$")]
Purpose = Literal["transfer", "payment", "money_request"]


class CodeWait(BaseModel):
    """A `.waitForTaskToken` step: Cerberus sends the code, the token waits under `<execution>:otp`."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    execution: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,80}$")]
    task_token: str = Field(min_length=1, max_length=2048, repr=False)
    chat_key: str = Field(min_length=3, max_length=160)
    challenge: Challenge
    customer_id: CustomerId
    purpose: Purpose

    @property
    def reference(self) -> str:
        return f"{self.execution}:otp"


class CodeWaiting(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    reference: str


class TypedCode(BaseModel):
    """What the conversation sends for the `otp` task (the flow's `outcome_field: code`)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore", hide_input_in_errors=True)

    code: str = Field(default="", max_length=16, repr=False)
    decision: str | None = None


class CodeCheck(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore", hide_input_in_errors=True)

    challenge: Challenge
    customer_id: CustomerId
    otp: TypedCode = Field(default_factory=TypedCode, repr=False)


class CodeAccepted(BaseModel):
    """The journey keeps this in place of what was typed: the code itself never stays in its state."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    checked: Literal[True] = True
