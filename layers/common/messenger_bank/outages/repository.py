"""Who asked to be told when a bank system is back, in the customers table (only the chat and its language,
for at most ``WAIT_HOURS``: a customer who asked days ago no longer waits for it).

    pk                    sk                    what
    OUTAGE#<system>       CHAT#<chat key>       language, asked_at, expires_at
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from messenger_bank.tables import InCustomersTable

WAIT_HOURS: Final = 48


class SubscriptionsRepository(InCustomersTable):
    def subscribe(self, system: str, chat_key: str, language: str, now: datetime) -> None:
        """Asked twice is asked once: the same item, its time renewed."""
        self.table.put_item(
            Item={
                "pk": f"OUTAGE#{system}",
                "sk": f"CHAT#{chat_key}",
                "chat_key": chat_key,
                "language": language,
                "asked_at": now.isoformat(),
                "expires_at": int((now + timedelta(hours=WAIT_HOURS)).timestamp()),
            }
        )

    def waiting(self, system: str, now: datetime) -> list[tuple[str, str]]:
        """(chat key, language) of each chat waiting for the system, not yet expired."""
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(f"OUTAGE#{system}")}
        while True:
            answer = self.table.query(**query)
            items += answer.get("Items", [])
            if "LastEvaluatedKey" not in answer:
                break
            query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        live = [item for item in items if int(item["expires_at"]) > now.timestamp()]
        return [(str(item["chat_key"]), str(item["language"])) for item in live]

    def take(self, system: str, chat_key: str) -> bool:
        """True for the one caller that deletes the subscription: only that one tells the chat (told once)."""
        try:
            self.table.delete_item(
                Key={"pk": f"OUTAGE#{system}", "sk": f"CHAT#{chat_key}"}, ConditionExpression="attribute_exists(pk)"
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
