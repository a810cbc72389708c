"""The Passport registry's answers: whether the person is who they say, and their age."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from messenger_bank.banking.models import Ours, Theirs


class IdentityCheck(Theirs):
    status: Literal["VALID", "INVALID", "NOT_FOUND", "MISMATCH"]
    reason: str | None = None
    age: int
    checked_at: datetime = Field(alias="checkedAt")


class IdentityVerified(Ours):
    age: int
    checked_at: datetime
