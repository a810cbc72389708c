"""A quote is what the customer saw and confirmed (amount, fee, total); a journey that moves money
claims it, once. Transfers and payments keep their quotes in the customers table and claim them here.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.money import format_money
from messenger_bank.types import CurrencyCode, PositiveMinorUnits


def money_text(minor: int, currency: str) -> str:
    """``1250, "BYN"`` → ``"12.50 BYN"``: a quote is made before its reader's language is known, so in
    ``money.format_money``'s neutral form."""
    return format_money(minor, currency)


def figures(amount_minor: int, fee_minor: int, currency: str) -> dict[str, Any]:
    """What a confirmation and a receipt show of a quote: the figures in minor units and as text."""
    total_minor = amount_minor + fee_minor
    return {
        "amount_minor": amount_minor,
        "fee_minor": fee_minor,
        "total_minor": total_minor,
        "currency": currency,
        "amount": money_text(amount_minor, currency),
        "fee": money_text(fee_minor, currency),
        "total": money_text(total_minor, currency),
    }


def shown(amount_minor: int, fee_minor: int, currency: str) -> dict[str, str]:
    """Only the texts of ``figures``: what a journey keeps in its state for the receipt."""
    every = figures(amount_minor, fee_minor, currency)
    return {name: every[name] for name in ("amount", "fee", "total")}


class QuoteFigures(BaseModel):
    """The figures of a quote as the conversation shows them (``figures``)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    amount_minor: PositiveMinorUnits
    fee_minor: int = Field(ge=0)
    total_minor: PositiveMinorUnits
    currency: CurrencyCode
    amount: str
    fee: str
    total: str


class QuoteGone(Exception):
    """No such quote for this customer, or it expired."""


class QuoteTaken(Exception):
    """The quote already backs another money movement."""


def owned(table: Any, key: dict[str, str], customer_id: str) -> dict[str, Any] | None:
    """The quote at `key` if it is this customer's (read consistently), else None."""
    item: dict[str, Any] | None = table.get_item(Key=key, ConsistentRead=True).get("Item")
    return item if item is not None and item.get("customer_id") == customer_id else None


def claim(
    table: Any, key: dict[str, str], *, customer_id: str, owner_field: str, owner: str, now: int, keep_seconds: int
) -> dict[str, Any]:
    """Bind the quote at `key` to `owner` (again, for the same owner: a retried step); its item after.

    One conditional update: the customer's, not expired, and unclaimed or claimed by this very owner.
    """
    try:
        item: dict[str, Any] = table.update_item(
            Key=key,
            UpdateExpression="SET #owner = :o, expires_at = :e",
            ConditionExpression=(
                "customer_id = :c AND expires_at > :now AND (attribute_not_exists(#owner) OR #owner = :o)"
            ),
            ExpressionAttributeNames={"#owner": owner_field},
            ExpressionAttributeValues={":o": owner, ":c": customer_id, ":now": now, ":e": now + keep_seconds},
            ReturnValues="ALL_NEW",
        )["Attributes"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        current = table.get_item(Key=key, ConsistentRead=True).get("Item")
        if current is not None and current.get("customer_id") == customer_id and current.get(owner_field):
            raise QuoteTaken(owner_field) from None
        raise QuoteGone(owner_field) from None
    return item
