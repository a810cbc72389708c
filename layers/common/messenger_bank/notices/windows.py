"""The customer-service window of WhatsApp and Messenger: free-form messages only within 24 hours of
the customer's last message. The bank keeps when each chat's window closes, because WhatsApp does not
refuse a free-form message after it: the send is accepted and fails later in a status webhook (131047),
so a notice must know beforehand to go as its template.

    pk WINDOW#<chat key>   sk WINDOW   open_until (N, epoch seconds)   expires_at (TTL, the same)
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from botocore.exceptions import ClientError

from messenger_bank.tables import InCustomersTable
from messenger_bank.types import Channel

WINDOW_SECONDS: Final = 24 * 3600
# A notice goes as a template this long before the window closes: the platform's clock and ours differ,
# and a message sent in the last seconds may reach the platform after it.
MARGIN_SECONDS: Final = 300
WINDOWED: Final[frozenset[Channel]] = frozenset({"whatsapp", "messenger"})


def _key(chat_key: str) -> dict[str, str]:
    return {"pk": f"WINDOW#{chat_key}", "sk": "WINDOW"}


class WindowsRepository(InCustomersTable):
    def customer_wrote(self, chat_key: str, at: datetime) -> None:
        """The customer's message at `at` opens the window for 24 hours; an older message, handled late
        (the queue orders a chat's messages, but a retried webhook may bring an old one), never shortens it."""
        open_until = int(at.timestamp()) + WINDOW_SECONDS
        try:
            self.table.update_item(
                Key=_key(chat_key),
                UpdateExpression="SET open_until = :until, expires_at = :until",
                ConditionExpression="attribute_not_exists(open_until) OR open_until < :until",
                ExpressionAttributeValues={":until": open_until},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def is_open(self, chat_key: str, now: datetime) -> bool:
        """True while a free-form message sent now reaches the customer (with the margin to spare)."""
        item = self.table.get_item(Key=_key(chat_key), ConsistentRead=True).get("Item")
        return item is not None and int(item["open_until"]) - MARGIN_SECONDS > int(now.timestamp())


def customer_wrote(
    channel: Channel, chat_key: str, at: datetime, *, repository: WindowsRepository | None = None
) -> None:
    """Every customer message on a messenger with a window keeps it open (others have none to keep)."""
    if channel in WINDOWED:
        (repository or WindowsRepository()).customer_wrote(chat_key, at)


def window_open(channel: Channel, chat_key: str, now: datetime, *, repository: WindowsRepository | None = None) -> bool:
    return channel not in WINDOWED or (repository or WindowsRepository()).is_open(chat_key, now)
