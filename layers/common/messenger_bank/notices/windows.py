"""What the bank keeps per chat so that a notice knows beforehand how it may go out.

The customer-service window of WhatsApp and Messenger: free-form messages only within 24 hours of the
customer's last message. WhatsApp does not refuse a free-form message after it: the send is accepted and
fails later in a status webhook (131047), so a notice must know beforehand to go as its template; and
when the platform's clock says closed while ours said open, the notice it refused is sent again as its
template (``take_notice``, notices/service.py ``platform_refused``).

Viber's cap: at most 100 bot messages to one user within an hour without a reply (the figure is the
Viber entry of channels/ratelimit.py); the count starts again when the customer writes. The bank counts
what it sends on its own, so a notice does not run into the cap blindly.

    pk WINDOW#<chat key>   sk WINDOW   open_until (N, epoch s; WhatsApp, Messenger)
                                       bot_sent, counted_since (N; Viber)   expires_at (TTL)
    pk WINDOW#<chat key>   sk NOTICE#<message id>   template, language, parameters, button_payloads, tag,
                                       withheld, expires_at   (a WhatsApp notice sent free-form)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.channels.models import OutsideWindow
from messenger_bank.tables import InCustomersTable
from messenger_bank.types import Channel

WINDOW_SECONDS: Final = 24 * 3600
# A notice goes as a template this long before the window closes: the platform's clock and ours differ,
# and a message sent in the last seconds may reach the platform after it.
MARGIN_SECONDS: Final = 300
WINDOWED: Final[frozenset[Channel]] = frozenset({"whatsapp", "messenger"})
# Viber's cap of bot messages to one user without a reply, and the hour it counts over (creators.viber.com,
# Send a Message: status 12 beyond it). A cap the notices keep, not a send rate (channels/ratelimit.py).
CAP: Final = 100
CAP_SECONDS: Final = 3600
CAPPED: Final[frozenset[Channel]] = frozenset({"viber"})
# Accepts a free-form message after the window and refuses it later, in a status webhook: WhatsApp.
REFUSED_LATER: Final[frozenset[Channel]] = frozenset({"whatsapp"})
# How long a free-form notice is remembered for its status webhook: Meta retries one for up to 7 days.
NOTICE_SECONDS: Final = 8 * 24 * 3600


def _key(chat_key: str) -> dict[str, str]:
    return {"pk": f"WINDOW#{chat_key}", "sk": "WINDOW"}


def _notice_key(chat_key: str, message_id: str) -> dict[str, str]:
    return {"pk": f"WINDOW#{chat_key}", "sk": f"NOTICE#{message_id}"}


def _ignore_condition(error: ClientError) -> None:
    if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
        raise error


class SentNotice(BaseModel):
    """A notice that went free-form, as its template would carry it; `withheld` names the parameters that
    were not kept because they are personal (templates.PERSONAL): such a notice cannot be sent again."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    outside: OutsideWindow
    withheld: tuple[str, ...] = Field(default=())


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
            _ignore_condition(error)

    def is_open(self, chat_key: str, now: datetime) -> bool:
        """True while a free-form message sent now reaches the customer (with the margin to spare)."""
        item = self.table.get_item(Key=_key(chat_key), ConsistentRead=True).get("Item")
        if item is None or "open_until" not in item:
            return False
        return int(item["open_until"]) - MARGIN_SECONDS > int(now.timestamp())

    def close(self, chat_key: str, at: datetime) -> None:
        """The platform said at `at` that the window was closed: our record, if it says open, closes then,
        unless the customer wrote since (their message pushed open_until past at + 24 h)."""
        when = int(at.timestamp())
        try:
            self.table.update_item(
                Key=_key(chat_key),
                UpdateExpression="SET open_until = :at",
                ConditionExpression="open_until > :at AND open_until <= :latest",
                ExpressionAttributeValues={":at": when, ":latest": when + WINDOW_SECONDS},
            )
        except ClientError as error:
            _ignore_condition(error)

    # --- Viber's cap --------------------------------------------------------------------------------
    def customer_replied(self, chat_key: str) -> None:
        """Viber counts again from nothing once the customer writes (no item is made for a chat never counted)."""
        try:
            self.table.update_item(
                Key=_key(chat_key),
                UpdateExpression="SET bot_sent = :zero",
                ConditionExpression="attribute_exists(bot_sent)",
                ExpressionAttributeValues={":zero": 0},
            )
        except ClientError as error:
            _ignore_condition(error)

    def bot_sent(self, chat_key: str, now: datetime) -> None:
        """One more bot message without a reply; a count older than the cap's hour starts again at one."""
        at = int(now.timestamp())
        try:
            self.table.update_item(
                Key=_key(chat_key),
                UpdateExpression="ADD bot_sent :one",
                ConditionExpression="counted_since > :start",
                ExpressionAttributeValues={":one": 1, ":start": at - CAP_SECONDS},
            )
        except ClientError as error:
            _ignore_condition(error)
            self.table.update_item(
                Key=_key(chat_key),
                UpdateExpression="SET bot_sent = :one, counted_since = :at, expires_at = :until",
                ExpressionAttributeValues={":one": 1, ":at": at, ":until": at + CAP_SECONDS},
            )

    def at_cap(self, chat_key: str, now: datetime) -> bool:
        """True when the platform would refuse one more bot message to this chat now."""
        item = self.table.get_item(Key=_key(chat_key), ConsistentRead=True).get("Item")
        if item is None or "bot_sent" not in item:
            return False
        counting = int(item.get("counted_since", 0)) > int(now.timestamp()) - CAP_SECONDS
        return counting and int(item["bot_sent"]) >= CAP

    # --- free-form notices awaiting their status ---------------------------------------------------
    def remember_notice(self, chat_key: str, message_id: str, sent: SentNotice, now: datetime) -> None:
        item: dict[str, Any] = {**sent.model_dump(mode="json"), "expires_at": int(now.timestamp()) + NOTICE_SECONDS}
        self.table.update_item(
            Key=_notice_key(chat_key, message_id),
            UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in item),
            ExpressionAttributeNames={f"#{name}": name for name in item},
            ExpressionAttributeValues={f":{name}": value for name, value in item.items()},
        )

    def take_notice(self, chat_key: str, message_id: str) -> SentNotice | None:
        """The notice sent as `message_id`, removed so that a repeated status webhook finds nothing."""
        old = self.table.delete_item(Key=_notice_key(chat_key, message_id), ReturnValues="ALL_OLD").get("Attributes")
        if not old:
            return None
        return SentNotice.model_validate({name: old[name] for name in SentNotice.model_fields if name in old})


def customer_wrote(
    channel: Channel, chat_key: str, at: datetime, *, repository: WindowsRepository | None = None
) -> None:
    """Every customer message keeps the window open (WhatsApp, Messenger) or starts Viber's count again."""
    if channel in WINDOWED:
        (repository or WindowsRepository()).customer_wrote(chat_key, at)
    elif channel in CAPPED:
        (repository or WindowsRepository()).customer_replied(chat_key)


def window_open(channel: Channel, chat_key: str, now: datetime, *, repository: WindowsRepository | None = None) -> bool:
    return channel not in WINDOWED or (repository or WindowsRepository()).is_open(chat_key, now)


def cap_reached(channel: Channel, chat_key: str, now: datetime, *, repository: WindowsRepository | None = None) -> bool:
    return channel in CAPPED and (repository or WindowsRepository()).at_cap(chat_key, now)


def bot_sent(channel: Channel, chat_key: str, now: datetime, *, repository: WindowsRepository | None = None) -> None:
    """Count a message the bank started on a messenger with a cap (the others have none to count)."""
    if channel in CAPPED:
        (repository or WindowsRepository()).bot_sent(chat_key, now)
