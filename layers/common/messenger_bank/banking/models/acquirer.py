"""The acquirer's card top-ups and the events it calls back with."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from messenger_bank.banking.models import IdempotencyKey, Ours, Theirs
from messenger_bank.types import CurrencyCode, PositiveMinorUnits


class TopUpRequest(Ours):
    order_id: str = Field(min_length=1, max_length=64)
    amount: PositiveMinorUnits
    currency: CurrencyCode
    description: str | None = Field(default=None, max_length=140)
    callback_url: str | None = None
    return_url: str | None = None
    idempotency_key: IdempotencyKey


class TopUp(Theirs):
    payment_id: str
    order_id: str
    amount: PositiveMinorUnits
    currency: CurrencyCode
    status: Literal["created", "3ds_required", "succeeded", "failed", "expired"]
    payment_url: str
    masked_pan: str | None = None
    expires_at: datetime


class TopUpEvent(Theirs):
    event_id: str
    type: str
    payment: TopUp
