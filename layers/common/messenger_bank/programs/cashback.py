"""Cashback on the card's operations: pure computation over the programs document.

For each operation of the month (bank time) in the programs' currency:
  * its category is the one the bank gives, else the one its MCC belongs to;
  * its rate: an activated offer of that partner for that category, else the partner's rate for the
    category (for a partner operation without a category: the partner's first rate), else the bank's
    category rate, else nothing: an offer beats a partner, a partner beats a category;
  * its cashback is ``amount × rate / 100`` rounded down to the kopeck; a refund takes back the same
    computation on the refunded amount (rounded down too, so a full refund cancels its purchase exactly).
The month's cashback is the sum, never below zero (a refund of last month's purchase cannot make it owe).

The operations: ``get_cashback`` (this month, by category, in the customer's words), and where the programme
has categories to choose (``chosen_categories``), ``list_cashback_categories`` and ``choose_cashback_category``:
the customer chooses, for the next month, at most ``pick`` of them; a choice beyond that makes room by dropping
the one chosen first. A category to choose earns only in a month it was chosen for.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from messenger_bank.conversation.catalogue import has, text
from messenger_bank.customers.service import CustomersRepository, customer_by_id
from messenger_bank.money import format_money
from messenger_bank.programs.bank import (
    CoreOperationsSource,
    OperationsSource,
)
from messenger_bank.programs.cashback_operations import (
    CashbackCategoriesChosen,
    CashbackCategoryItem,
    CashbackCategoryList,
    CashbackInfo,
    CashbackLine,
    CashbackMonth,
    ChooseCashbackCategoryRequest,
    GetCashbackRequest,
    ListCashbackCategoriesRequest,
)
from messenger_bank.programs.cashback_rules import cashback_minor, category_of, rate_for
from messenger_bank.programs.errors import CategoryUnavailable
from messenger_bank.programs.models import CardOperation, OfferActivation
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.terms import ChosenCategories, Programs, format_percent, programs
from messenger_bank.types import Language


def compute_cashback(
    operations: Iterable[CardOperation],
    config: Programs,
    month: str,
    activated: Sequence[OfferActivation] = (),
    chosen: Collection[str] = (),
) -> CashbackMonth:
    start, end = config.month_bounds(month)
    lines: list[CashbackLine] = []
    for operation in sorted(operations, key=lambda o: (o.occurred_at, o.operation_id)):
        moment = operation.occurred_at if operation.occurred_at.tzinfo else operation.occurred_at.replace(tzinfo=UTC)
        if not start <= moment < end:
            continue
        if operation.currency == config.currency:
            rate, source = rate_for(operation, config, activated, chosen)
        else:
            rate, source = Decimal(0), "none"
        amount = cashback_minor(operation.amount_minor, rate)
        lines.append(
            CashbackLine(
                operation_id=operation.operation_id,
                kind=operation.kind,
                amount_minor=operation.amount_minor if operation.kind == "purchase" else -operation.amount_minor,
                category=category_of(operation, config),
                partner=operation.partner,
                rate_percent=rate,
                source=source,
                cashback_minor=amount if operation.kind == "purchase" else -amount,
            )
        )
    by_category: dict[str, int] = {}
    for line in lines:
        if line.cashback_minor:
            key = line.category or "other"
            by_category[key] = by_category.get(key, 0) + line.cashback_minor
    return CashbackMonth(
        month=month,
        currency=config.currency,
        total_minor=max(0, sum(line.cashback_minor for line in lines)),
        by_category=by_category,
        lines=tuple(lines),
    )


def cashback_this_month(
    customer_id: str,
    *,
    source: OperationsSource,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> CashbackMonth:
    """ "Cashback this month": the card's operations since the first of the month, with the customer's offers."""
    config = config or programs()
    moment = now or datetime.now(UTC)
    month = config.month_of(moment)
    start, _ = config.month_bounds(month)
    store = repository or ReferralsRepository()
    activated = store.activations(customer_id)
    chosen = store.chosen_categories(customer_id, month)
    return compute_cashback(source.operations(customer_id, start, moment), config, month, activated, chosen)


# --- the operation: what the Lambda calls ---------------------------------------------------------
def _category(category: str, language: Language) -> str:
    """A cashback category in the customer's words (``cashback.category.*``), else as the bank names it."""
    key = f"cashback.category.{category}"
    return text(key, language) if has(key) else category


def get_cashback(
    request: GetCashbackRequest,
    *,
    source: OperationsSource | None = None,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> CashbackInfo:
    """ "Cashback this month" on the card's purchases at the bank, by category."""
    directory = customers or CustomersRepository()
    customer = customer_by_id(request.customer_id, repository=directory)
    language = request.language or customer.language
    month = cashback_this_month(
        customer.customer_id,
        source=source or CoreOperationsSource(customers=directory),
        repository=repository,
        config=config,
        now=now,
    )
    lines = [
        f"{_category(category, language)}: {format_money(amount, month.currency, language)}"
        for category, amount in sorted(month.by_category.items(), key=lambda item: -item[1])
        if amount > 0
    ]
    return CashbackInfo(
        month=month.month,
        amount=format_money(month.total_minor, month.currency, language),
        total_minor=month.total_minor,
        currency=month.currency,
        categories="\n".join(lines) or text("cashback.nothing_yet", language),
        by_category=month.by_category,
    )


# --- the categories the customer chooses for the next month ---------------------------------------------
def month_words(month: str, language: Language) -> str:
    """``2026-11`` as the customer reads it: ``11.2026`` (ru, be), ``11/2026`` (en)."""
    year, number = month.split("-")
    return f"{number}/{year}" if language == "en" else f"{number}.{year}"


def _next_month(config: Programs, now: datetime) -> str:
    _, end = config.month_bounds(config.month_of(now))
    return config.month_of(end)


def _to_choose(config: Programs) -> ChosenCategories:
    if config.chosen_categories is None:
        raise CategoryUnavailable("the programme has no categories to choose")
    return config.chosen_categories


def _words(categories: Sequence[str], language: Language) -> str:
    return ", ".join(_category(c, language) for c in categories) or text("cashback.nothing_yet", language)


def list_cashback_categories(
    request: ListCashbackCategoriesRequest,
    *,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> CashbackCategoryList:
    """The categories to choose for the next month, each with its rate, those chosen marked."""
    terms = config or programs()
    choice = _to_choose(terms)
    month = _next_month(terms, now or datetime.now(UTC))
    chosen = (repository or ReferralsRepository()).chosen_categories(request.customer_id, month)
    mark = text("cashback.active_mark", request.language)
    items = tuple(
        CashbackCategoryItem(
            category=name,
            title=f"{mark if name in chosen else ''}{_category(name, request.language)} — "
            f"{format_percent(category.rate_percent, request.language)}",
        )
        for name, category in choice.categories.items()
    )
    return CashbackCategoryList(
        month=month_words(month, request.language),
        pick=choice.pick,
        chosen=_words(chosen, request.language),
        items=items,
    )


def choose_cashback_category(
    request: ChooseCashbackCategoryRequest,
    *,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> CashbackCategoriesChosen:
    """Adds the category to the next month's choice; when ``pick`` are chosen already, the one chosen first
    makes room. Choosing one already chosen changes nothing."""
    terms = config or programs()
    choice = _to_choose(terms)
    if request.category not in choice.categories:
        raise CategoryUnavailable("no such category to choose", category=request.category)
    moment = now or datetime.now(UTC)
    month = _next_month(terms, moment)
    store = repository or ReferralsRepository()
    for _ in range(3):  # another choice at the same moment: read again and choose on top of it
        was = store.chosen_categories(request.customer_id, month)
        if request.category in was:
            now_chosen, replaced = was, None
            break
        now_chosen = (*was, request.category)
        replaced = now_chosen[0] if len(now_chosen) > choice.pick else None
        now_chosen = now_chosen[-choice.pick :]
        if store.replace_chosen_categories(request.customer_id, month, was, now_chosen, moment):
            break
    else:
        raise CategoryUnavailable("the choice kept changing; choose again")
    return CashbackCategoriesChosen(
        month=month_words(month, request.language),
        pick=choice.pick,
        chosen=_words(now_chosen, request.language),
        replaced=_category(replaced, request.language) if replaced else None,
    )
