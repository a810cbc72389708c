"""A quote is what the customer saw and confirmed (amount, fee, total); a journey that moves money
claims it, once. Transfers and payments keep their quotes in the customers table and claim them here.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


class QuoteGone(Exception):
    """No such quote for this customer, or it expired."""


class QuoteTaken(Exception):
    """The quote already backs another money movement."""


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
