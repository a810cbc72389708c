"""The monthly statements sent, in the customers table (``CUSTOMERS_TABLE``), beside the customer's rows:

    pk                 sk                              what
    CUSTOMER#<id>      STATEMENT#<YYYY-MM>             StatementRecord: the ended month's statement, sent
    CUSTOMER#<id>      STATEMENT#<YYYY-MM>#SOFAR       StatementRecord: the month so far, sent on demand

A statement is claimed with ``attribute_not_exists(pk)`` before it is told, so however often the run or one
of its items is started again, each is told once; the claim is given back only when no chat could be tried.
The month so far (a run named the month under way) has its own row: it never stands in for the month's
statement, which is told once the month has ended.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from messenger_bank.cards.models import StatementRecord
from messenger_bank.tables import InCustomersTable

PREFIX = "STATEMENT#"
SO_FAR = "#SOFAR"


def _key(customer_id: str, month: str, closed: bool) -> dict[str, str]:
    return {"pk": f"CUSTOMER#{customer_id}", "sk": f"{PREFIX}{month}{'' if closed else SO_FAR}"}


def _record(item: dict[str, Any]) -> StatementRecord:
    # DynamoDB's numbers come back as whole Decimals, which the model's integer fields take as they are.
    return StatementRecord.model_validate({k: v for k, v in item.items() if k not in ("pk", "sk")})


class StatementsRepository(InCustomersTable):
    def claim(self, record: StatementRecord) -> bool:
        """True for the one caller that is to tell this statement; False when it was claimed before."""
        fields = record.model_dump(mode="json", exclude_none=True)
        item = {**_key(record.customer_id, record.month, record.closed), **fields}
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, customer_id: str, month: str, closed: bool) -> None:
        """No chat could be tried: the next run tells."""
        self.table.delete_item(Key=_key(customer_id, month, closed))

    def told(self, customer_id: str, month: str, closed: bool, at: datetime, chats: int) -> None:
        """The statement was handed to the chats (``chats`` of them took it)."""
        self.table.update_item(
            Key=_key(customer_id, month, closed),
            UpdateExpression="SET told_at = :at, chats_told = :chats",
            ExpressionAttributeValues={":at": at.isoformat(), ":chats": chats},
        )

    def statement(self, customer_id: str, month: str, closed: bool) -> StatementRecord | None:
        item = self.table.get_item(Key=_key(customer_id, month, closed), ConsistentRead=True).get("Item")
        return _record(item) if item else None
