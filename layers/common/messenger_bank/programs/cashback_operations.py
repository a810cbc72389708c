"""Cashback (programs/cashback.py): a month's cashback, line by line, and its three operations."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from messenger_bank.operations import Operation
from messenger_bank.programs.errors import CategoryUnavailable
from messenger_bank.programs.models import ProgramModel
from messenger_bank.types import (
    CurrencyCode,
    CustomerId,
    Language,
    MinorUnits,
    Month,
)


class CashbackLine(ProgramModel):
    operation_id: str
    kind: Literal["purchase", "refund"]
    amount_minor: int
    category: str | None
    partner: str | None
    rate_percent: Decimal
    source: Literal["offer", "partner", "category", "chosen", "none"]
    cashback_minor: int = Field(description="rounded down to the kopeck; negative for a refund")


class CashbackMonth(ProgramModel):
    month: Month
    currency: CurrencyCode
    total_minor: MinorUnits
    by_category: dict[str, int]
    lines: tuple[CashbackLine, ...]


class GetCashbackRequest(ProgramModel):
    customer_id: CustomerId
    language: Language | None = None


class CashbackInfo(ProgramModel):
    month: Month
    amount: str = Field(description="cashback this month, formatted")
    total_minor: MinorUnits
    currency: CurrencyCode
    categories: str = Field(description="one line per category, formatted")
    by_category: dict[str, int]


class ListCashbackCategoriesRequest(ProgramModel):
    customer_id: CustomerId
    language: Language = "ru"


class CashbackCategoryItem(ProgramModel):
    category: str
    title: str = Field(description="the button's label: the category, its rate, a mark when chosen")


class CashbackCategoryList(ProgramModel):
    month: str = Field(description="the month the choice is for, as the customer reads it")
    pick: int
    chosen: str = Field(description="the categories chosen for it so far, in the customer's words")
    items: tuple[CashbackCategoryItem, ...]


class ChooseCashbackCategoryRequest(ProgramModel):
    customer_id: CustomerId
    category: str = Field(min_length=1, max_length=40)
    language: Language = "ru"


class CashbackCategoriesChosen(ProgramModel):
    month: str
    pick: int
    chosen: str
    replaced: str | None = Field(default=None, description="the category that made room, when the month was full")


# --- the operations (functions/operations/<name>/) ---------------------------------------------------------------
GET_CASHBACK = Operation("get_cashback", GetCashbackRequest, CashbackInfo, session="customer")

LIST_CASHBACK_CATEGORIES = Operation(
    "list_cashback_categories",
    ListCashbackCategoriesRequest,
    CashbackCategoryList,
    errors=(CategoryUnavailable,),
    session="customer",
)

CHOOSE_CASHBACK_CATEGORY = Operation(
    "choose_cashback_category",
    ChooseCashbackCategoryRequest,
    CashbackCategoriesChosen,
    errors=(CategoryUnavailable,),
    session="customer",
)
