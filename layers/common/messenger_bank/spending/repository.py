"""Today's money out and the step-up codes, in the customers table (single-table design).

    pk                      sk              what                                          TTL
    SPENDING#<customer id>  DAY#<yyyy-mm-dd> spent: money out that bank day, minor units  two days on
    SPENDING#<customer id>  OP#<operation>  amount and day one operation reserved,        three days
                                            released_at once given back
    STEPUP#<challenge>      STEPUP          customer, the code's id at Cerberus,          expires_at
                                            checked_at once the right code was typed

A reservation writes its operation's marker and adds to the day's counter in one transaction, the
counter only under a ceiling: two debits at once cannot both pass it, and a retried step finds its
marker and adds nothing. Giving back marks the marker released and subtracts in one transaction too,
so a repeated refund gives back once.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from messenger_bank.tables import InCustomersTable

DAY_KEEP_SECONDS = 3 * 24 * 3600


class OverCeiling(Exception):
    """The day's counter with this amount would pass the ceiling asked for: nothing was written."""


def _owner(customer_id: str) -> str:
    return f"SPENDING#{customer_id}"


def _challenge_key(challenge: str) -> dict[str, str]:
    return {"pk": f"STEPUP#{challenge}", "sk": "STEPUP"}


class SpendingRepository(InCustomersTable):
    def spent(self, customer_id: str, day: str) -> int:
        key = {"pk": _owner(customer_id), "sk": f"DAY#{day}"}
        item = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
        return int(item["spent"]) if item else 0

    def reserve(self, customer_id: str, operation_id: str, amount: int, *, day: str, ceiling: int, now: int) -> bool:
        """Add `amount` to the day's counter unless it would pass `ceiling` (OverCeiling); False when this
        operation had reserved already (nothing added again)."""
        if amount > ceiling:  # the day's first operation has no counter for the condition to read
            raise OverCeiling(f"{amount} alone is above {ceiling}")
        # The resource's client takes and answers plain values (boto3 types them), transactions too.
        keep = now + DAY_KEEP_SECONDS
        try:
            self.table.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table.name,
                            "Item": {
                                "pk": _owner(customer_id),
                                "sk": f"OP#{operation_id}",
                                "amount": amount,
                                "day": day,
                                "expires_at": keep,
                            },
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table.name,
                            "Key": {"pk": _owner(customer_id), "sk": f"DAY#{day}"},
                            "UpdateExpression": "ADD spent :amount SET expires_at = :keep",
                            "ConditionExpression": "attribute_not_exists(spent) OR spent <= :room",
                            "ExpressionAttributeValues": {
                                ":amount": amount,
                                ":room": ceiling - amount,
                                ":keep": keep,
                            },
                        }
                    },
                ]
            )
        except ClientError as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if exc.response["Error"]["Code"] != "TransactionCanceledException" or len(reasons) != 2:
                raise
            if reasons[0] == "ConditionalCheckFailed":
                return False
            if reasons[1] == "ConditionalCheckFailed":
                raise OverCeiling(f"{amount} does not fit under {ceiling}") from None
            raise
        return True

    def release(self, customer_id: str, operation_id: str, *, now: int) -> bool:
        """Give the operation's amount back to the day it was reserved on; False when there is nothing
        to give back (never reserved, or given back already)."""
        marker = {"pk": _owner(customer_id), "sk": f"OP#{operation_id}"}
        item = self.table.get_item(Key=marker, ConsistentRead=True).get("Item")
        if item is None or "released_at" in item:
            return False
        try:
            self.table.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self.table.name,
                            "Key": marker,
                            "UpdateExpression": "SET released_at = :now",
                            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(released_at)",
                            "ExpressionAttributeValues": {":now": now},
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table.name,
                            "Key": {"pk": _owner(customer_id), "sk": f"DAY#{item['day']}"},
                            "UpdateExpression": "ADD spent :back",
                            "ExpressionAttributeValues": {":back": -int(item["amount"])},
                        }
                    },
                ]
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            return False  # another run gave it back between the read and the write
        return True

    # --- step-up codes ---------------------------------------------------------------------------
    def put_challenge(self, challenge: str, customer_id: str, otp_id: str, *, expires_at: int) -> None:
        self.table.put_item(
            Item={
                **_challenge_key(challenge),
                "customer_id": customer_id,
                "otp_id": otp_id,
                "expires_at": expires_at,
            }
        )

    def challenge(self, challenge: str, customer_id: str) -> dict[str, Any] | None:
        """The challenge if it is this customer's (another customer's is as good as none)."""
        item = self.table.get_item(Key=_challenge_key(challenge), ConsistentRead=True).get("Item")
        if item is None or item.get("customer_id") != customer_id:
            return None
        return dict(item)

    def mark_checked(self, challenge: str, *, now: int) -> None:
        self.table.update_item(
            Key=_challenge_key(challenge),
            UpdateExpression="SET checked_at = :now",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":now": now},
        )
