"""The balance of each card as the bank last told it, kept in the customers table for a while so that the
chat can show it, with its time, while core banking is down. It is personal data: kept only
``LAST_BALANCE_HOURS`` (a TTL on the item), only the figures the chat shows, under the customer's own key.

    pk                    sk                    what
    CUSTOMER#<id>         BALANCE#<card id>     mask, available (minor units), currency, read_at, expires_at
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel, ConfigDict

from messenger_bank.tables import InCustomersTable
from messenger_bank.types import CurrencyCode, MaskedPan, MinorUnits


class LastBalance(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    card_id: str
    mask: MaskedPan
    available_minor: MinorUnits
    currency: CurrencyCode
    read_at: datetime


class LastBalancesRepository(InCustomersTable):
    def keep(self, customer_id: str, balance: LastBalance, *, hours: int) -> None:
        self.table.put_item(
            Item={
                "pk": f"CUSTOMER#{customer_id}",
                "sk": f"BALANCE#{balance.card_id}",
                **balance.model_dump(mode="json"),
                "expires_at": int((balance.read_at + timedelta(hours=hours)).timestamp()),
            }
        )

    def of(self, customer_id: str, now: datetime) -> list[LastBalance]:
        """The customer's kept balances not yet expired (the TTL deletes late: the time is checked here too)."""
        answer: dict[str, Any] = self.table.query(
            KeyConditionExpression=Key("pk").eq(f"CUSTOMER#{customer_id}") & Key("sk").begins_with("BALANCE#")
        )
        items = [item for item in answer.get("Items", []) if int(item["expires_at"]) > now.timestamp()]
        return [LastBalance.model_validate({**item, "available_minor": int(item["available_minor"])}) for item in items]
