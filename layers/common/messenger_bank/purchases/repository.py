"""Cashback accruals in the customers table (``CUSTOMERS_TABLE``), beside the customer's other rows:

    pk                 sk                           what
    CUSTOMER#<id>      CASHBACK#<event id>          CashbackAccrual: one card event's cashback; told_at once told
    CUSTOMER#<id>      CASHBACKPAYOUT#<YYYY-MM>     CashbackPayout: the month closed, then paid (or nothing)

An accrual is written with ``attribute_not_exists(pk)``, so each event id accrues once however often core
banking sends it; the notice is claimed with ``attribute_not_exists(told_at)`` before it is sent, and the
claim given back only when no chat could be tried, so a repeated event never tells twice. The month's
payout reads a customer's accruals of one month (``accruals``).

A month is closed for the customer (``close_month``) before its payout sums it, and an accrual is written
in one transaction with the check that its month is not closed: one that comes later (a refund after the
payout, a purchase after an early payout) counts in the next open month, so no accrual is paid twice or
lost between the sum and the payout.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from messenger_bank.purchases.models import CashbackAccrual, CashbackPayout, next_month
from messenger_bank.tables import InCustomersTable, ScanKey

PREFIX = "CASHBACK#"
PAYOUT_PREFIX = "CASHBACKPAYOUT#"
# How many closed months an accrual may step over (one is the rule; more only after a long outage).
_MAX_MONTHS_AHEAD = 24


def _key(customer_id: str, event_id: str) -> dict[str, str]:
    return {"pk": f"CUSTOMER#{customer_id}", "sk": f"{PREFIX}{event_id}"}


def _payout_key(customer_id: str, month: str) -> dict[str, str]:
    return {"pk": f"CUSTOMER#{customer_id}", "sk": f"{PAYOUT_PREFIX}{month}"}


def _payout(item: dict[str, Any]) -> CashbackPayout:
    fields = {k: v for k, v in item.items() if k not in ("pk", "sk")}
    if "amount_minor" in fields:
        fields["amount_minor"] = int(fields["amount_minor"])
    return CashbackPayout.model_validate(fields)


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] == "ConditionalCheckFailedException"


def _accrual(item: dict[str, Any]) -> CashbackAccrual:
    fields = {k: v for k, v in item.items() if k not in ("pk", "sk")}
    for name in ("amount_minor", "cashback_minor"):
        fields[name] = int(fields[name])
    return CashbackAccrual.model_validate(fields)


class AccrualsRepository(InCustomersTable):
    def record(self, accrual: CashbackAccrual) -> CashbackAccrual | None:
        """The accrual as recorded (in the first month not closed for the customer, from its own on), or
        None when this event has been recorded already (the stored one stands)."""
        client = self.table.meta.client
        for _ in range(_MAX_MONTHS_AHEAD):
            item = {**_key(accrual.customer_id, accrual.event_id), **accrual.model_dump(mode="json", exclude_none=True)}
            item["rate_percent"] = Decimal(str(accrual.rate_percent))
            try:
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self.table.name,
                                "Item": item,
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                        {
                            "ConditionCheck": {
                                "TableName": self.table.name,
                                "Key": _payout_key(accrual.customer_id, accrual.month),
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                    ]
                )
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if reasons[:1] == ["ConditionalCheckFailed"]:
                    return None
                if reasons[1:2] != ["ConditionalCheckFailed"]:
                    raise
                accrual = accrual.model_copy(update={"month": next_month(accrual.month)})
                continue
            return accrual
        raise RuntimeError("every month ahead is closed for this customer")

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

    # --- the month's payout -----------------------------------------------------------------------------
    def close_month(self, customer_id: str, month: str, at: datetime) -> CashbackPayout:
        """Closes the month for the customer's accruals (no new one counts in it from now on); the payout
        record, the one just written or the one a run before wrote."""
        payout = CashbackPayout(customer_id=customer_id, month=month, status="closed", closed_at=at)
        item = {**_payout_key(customer_id, month), **payout.model_dump(mode="json", exclude_none=True)}
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            stored = self.payout(customer_id, month)
            if stored is None:  # pragma: no cover - a payout record is never deleted
                raise
            return stored
        return payout

    def payout(self, customer_id: str, month: str) -> CashbackPayout | None:
        item = self.table.get_item(Key=_payout_key(customer_id, month), ConsistentRead=True).get("Item")
        return _payout(item) if item else None

    def settle(self, payout: CashbackPayout) -> bool:
        """Records the closed month as paid (or as paying nothing); False when a run before already did."""
        values: dict[str, Any] = {
            ":status": payout.status,
            ":amount": payout.amount_minor,
            ":closed": "closed",
        }
        update = "SET #status = :status, amount_minor = :amount"
        if payout.operation_id is not None:
            update += ", operation_id = :operation"
            values[":operation"] = payout.operation_id
        if payout.settled_at is not None:
            update += ", settled_at = :at"
            values[":at"] = payout.settled_at.isoformat()
        try:
            self.table.update_item(
                Key=_payout_key(payout.customer_id, payout.month),
                UpdateExpression=update,
                ConditionExpression="#status = :closed",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def claim_payout_telling(self, customer_id: str, month: str, at: datetime, by: str) -> bool:
        """True for the one run that is to tell the customer of the month's payout, ``by`` its name: again for it
        (a step that stopped after its claim is tried again), never for another run."""
        try:
            self.table.update_item(
                Key=_payout_key(customer_id, month),
                UpdateExpression="SET told_at = if_not_exists(told_at, :at), told_by = :by",
                ConditionExpression="#status = :paid AND (attribute_not_exists(told_at) OR told_by = :by)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":at": at.isoformat(), ":paid": "paid", ":by": by},
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def accrual_pages(self, month: str, start_key: ScanKey | None = None) -> Iterator[tuple[list[str], ScanKey | None]]:
        """The customers with an accrual counted in ``month``, a scan page at a time (tables.py): the payout's
        listing reads the month's rows whatever their customer, once a month (an index on the month would spare
        the scan of the whole table)."""
        return self.customer_pages(self._accrued_in(month), start_key)

    @staticmethod
    def _accrued_in(month: str) -> Any:
        return Attr("sk").begins_with(PREFIX) & Attr("month").eq(month)
