"""Cashback accruals in the customers table (``CUSTOMERS_TABLE``), beside the customer's other rows:

    pk                 sk                       what
    CUSTOMER#<id>      CASHBACK#<event id>      CashbackAccrual: one card event's cashback; told_at once told

An accrual is written with ``attribute_not_exists(pk)``, so each event id accrues once however often core
banking sends it; the notice is claimed with ``attribute_not_exists(told_at)`` before it is sent, and the
claim given back only when no chat could be tried, so a repeated event never tells twice. The month's
payout reads a customer's accruals of one month (``accruals``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from messenger_bank.purchases.models import CashbackAccrual
from messenger_bank.tables import InCustomersTable

PREFIX = "CASHBACK#"


def _key(customer_id: str, event_id: str) -> dict[str, str]:
    return {"pk": f"CUSTOMER#{customer_id}", "sk": f"{PREFIX}{event_id}"}


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] == "ConditionalCheckFailedException"


def _accrual(item: dict[str, Any]) -> CashbackAccrual:
    fields = {k: v for k, v in item.items() if k not in ("pk", "sk")}
    for name in ("amount_minor", "cashback_minor"):
        fields[name] = int(fields[name])
    return CashbackAccrual.model_validate(fields)


class AccrualsRepository(InCustomersTable):
    def record(self, accrual: CashbackAccrual) -> bool:
        """False when this event has been recorded already (the stored one stands)."""
        item = {**_key(accrual.customer_id, accrual.event_id), **accrual.model_dump(mode="json", exclude_none=True)}
        item["rate_percent"] = Decimal(str(accrual.rate_percent))
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def accrual(self, customer_id: str, event_id: str) -> CashbackAccrual | None:
        item = self.table.get_item(Key=_key(customer_id, event_id), ConsistentRead=True).get("Item")
        return _accrual(item) if item else None

    def _all(self, customer_id: str, **filters: Any) -> list[CashbackAccrual]:
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(f"CUSTOMER#{customer_id}") & Key("sk").begins_with(PREFIX),
            "ConsistentRead": True,
            **filters,
        }
        found: list[CashbackAccrual] = []
        while True:
            page = self.table.query(**query)
            found += [_accrual(item) for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return found
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def purchase_accrual(self, customer_id: str, purchase_id: str) -> CashbackAccrual | None:
        """The accrual of a cleared purchase (a refund takes back at its rate)."""
        found = self._all(
            customer_id, FilterExpression=Attr("purchase_id").eq(purchase_id) & Attr("kind").eq("purchase_cleared")
        )
        return found[0] if found else None

    def accruals(self, customer_id: str, month: str) -> list[CashbackAccrual]:
        """The customer's accruals counted in ``month`` (``YYYY-MM``, the bank's time)."""
        return self._all(customer_id, FilterExpression=Attr("month").eq(month))

    def claim_telling(self, customer_id: str, event_id: str, at: datetime) -> bool:
        """True for the one caller that is to tell the customer of this event."""
        try:
            self.table.update_item(
                Key=_key(customer_id, event_id),
                UpdateExpression="SET told_at = :at",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(told_at)",
                ExpressionAttributeValues={":at": at.isoformat()},
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def release_telling(self, customer_id: str, event_id: str) -> None:
        """No chat could be tried: the next delivery of the event tells."""
        self.table.update_item(Key=_key(customer_id, event_id), UpdateExpression="REMOVE told_at")
