"""The cashback rules: an operation's category and rate, and its cashback, computed over the programs document (see
programs/cashback.py for the whole month's). Pure, and apart from the month's operations, which read the card's
history from core banking, so that the card events' accrual loads no bank client (issue 20)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from messenger_bank.programs.models import CardOperation, OfferActivation
from messenger_bank.programs.terms import Programs

RateSource = Literal["offer", "partner", "category", "chosen", "none"]
_HUNDRED = Decimal(100)


def category_of(operation: CardOperation, config: Programs) -> str | None:
    if operation.category:
        return operation.category
    return config.category_for_mcc(operation.mcc) if operation.mcc else None


def rate_for(
    operation: CardOperation,
    config: Programs,
    activated: Sequence[OfferActivation] = (),
    chosen: Collection[str] = (),
) -> tuple[Decimal, RateSource]:
    """The rate in percent and where it comes from; ``chosen``: the categories the customer chose for the
    operation's month (a category to be chosen earns nothing in a month it was not)."""
    category = category_of(operation, config)
    partner = config.partners.get(operation.partner or "")
    if partner is not None and partner.enabled:
        offer_rates = [
            a.cashback_percent
            for a in activated
            if a.partner == operation.partner and (category is None or a.category == category)
        ]
        if offer_rates:
            return max(offer_rates), "offer"
        if category in partner.rates:
            return partner.rates[category], "partner"
        if category is None:
            return next(iter(partner.rates.values())), "partner"
    if category is not None and category in config.categories:
        return config.categories[category].rate_percent, "category"
    to_choose = config.chosen_categories.categories if config.chosen_categories else {}
    if category is not None and category in to_choose and category in chosen:
        return to_choose[category].rate_percent, "chosen"
    return Decimal(0), "none"


def cashback_minor(amount_minor: int, rate_percent: Decimal) -> int:
    """Rounded down to the kopeck: 1 234 kopecks at 7 % is 86.38 → 86."""
    return int((Decimal(amount_minor) * rate_percent / _HUNDRED).to_integral_value(rounding=ROUND_FLOOR))
