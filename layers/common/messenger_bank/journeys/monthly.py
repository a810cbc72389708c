"""What the bank's monthly journeys (the cashback payout, the credit statement) are started with and hand their
Map: one shape for both, each journey naming it in its own words (purchases/models.py, cards/models.py)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.types import CustomerId, Month


class MonthlyRunInput(BaseModel):
    """What the journey is started with: the schedule's time (``<aws.scheduler.scheduled-time>``), or a
    month named by the one who starts it (``make cashback-payout MONTH=2026-11``, ``make credit-statement
    MONTH=2026-11``), or nothing."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    month: Month | None = None
    scheduled_at: datetime | None = None


class MonthlyRunStart(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    input: MonthlyRunInput = Field(default_factory=MonthlyRunInput)
    started_at: datetime = Field(description="the execution's start ($$.Execution.StartTime)")


class MonthlyRun(BaseModel):
    """The month the run is for and its customers (the journey's Map items)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    month: Month
    customers: tuple[CustomerId, ...]


class MonthlyItem(BaseModel):
    """One customer's month (an item of the journey's Map)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    customer_id: CustomerId
    month: Month
