"""The chat driver of the end-to-end suites lives with the local cloud (local/chat.py), so that the
benches use the same one; what only the tests need is added here: the barrier that a negative check
waits for (never a sleep), and the journeys of a chat once they have ended."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from local.chat import Chat as PlatformChat
from local.chat import Person, buttons_in, invoke_operation, journey_history, onboard
from local.cloud.cloud import LocalCloud
from local.platforms.inbound import Builder, SendRequest, serialize
from local.platforms.telegram import web_app_init_data
from messenger_bank.conversation.catalogue import text
from messenger_bank.conversation.engine import command_words

__all__ = [
    "BARRIER_REPLY",
    "BARRIER_TEXT",
    "HELP_REPLY",
    "HELP_TEXT",
    "Chat",
    "Mark",
    "Person",
    "SinceMark",
    "buttons_in",
    "ended_journeys",
    "invoke_operation",
    "journey_history",
    "journeys_of",
    "onboard",
    "since",
    "waits_of",
]

# A global command: from any step it says BARRIER_REPLY and shows the step again, keeping the flow and any
# journey's wait (unlike "menu" or "help", which leave them). No other input makes the bot say it.
BARRIER_TEXT = "русский"
BARRIER_REPLY = text("common.language_changed", "ru")
assert BARRIER_TEXT in command_words()["language:ru"], "the barrier must be the command that sets Russian"
# A harmless question with a known answer of one message: the help screen.
HELP_TEXT = "помощь"
HELP_REPLY = text("help.topics", "ru")


@dataclass(frozen=True)
class Mark:
    """Where a chat stood before a negative input: the bot's messages shown and the session's version
    (the conversation saves the session once per turn, before it sends the turn's replies)."""

    shown: int
    session_version: int


@dataclass(frozen=True)
class SinceMark:
    """What the chat's inputs since a mark caused, as the barrier found it: the bot's messages in order
    and the session saves, the barrier's own turn not counted."""

    replies: list[dict[str, Any]]
    session_saves: int

    @property
    def texts(self) -> list[str]:
        return [str(m.get("text") or m.get("caption") or "") for m in self.replies]


def web_app_form(chat: PlatformChat, form: dict[str, str]) -> dict[str, str]:
    """A secure-page form as the page's script posts it: from a Telegram chat, with the Web App ``initData``
    Telegram gives the page opened from that chat (a Telegram link is refused without it)."""
    if chat.channel != "telegram":
        return form
    return {
        **form,
        "init_data": web_app_init_data(chat.cloud.platforms.platforms.secrets.telegram_bot_token, chat.chat_id),
    }


def web_app_url(chat: PlatformChat, url: str) -> str:
    """A secure-page link as Telegram opens it as the chat's Web App (``#tgWebAppData=...``, read by the page)."""
    if chat.channel != "telegram":
        return url
    bot_token = chat.cloud.platforms.platforms.secrets.telegram_bot_token
    return f"{url}#{urlencode({'tgWebAppData': web_app_init_data(bot_token, chat.chat_id)})}"


@contextlib.contextmanager
def random_codes_reported(cloud: LocalCloud, title: str, outcomes: list[tuple[str, str]]) -> Iterator[None]:
    """For an attack module: the sandbox's one-time codes random (an attacker cannot know them), and each
    case's outcome printed at the end under `title`."""
    cloud.sandbox.bank.random_otp_codes = True
    yield
    cloud.sandbox.bank.random_otp_codes = False
    width = max((len(case) for case, _ in outcomes), default=0) + 2
    print(f"\n{title}:")
    for case, outcome in outcomes:
        print(f"  {case:<{width}}{outcome}")


class Chat(PlatformChat):
    def quiet_for_a_day(self) -> None:
        """As if the customer had not written for a day: the platform's 24 h window closes, and the bank's
        record of it (notices/windows.py) says what it would say a day later. Call it after the bot's last
        answer: the record is written when a message is taken."""
        self.cloud.platforms.platforms.store.close_window(self.channel, self.chat_id)
        assert self.cloud.stack is not None
        self.cloud.client("dynamodb").update_item(
            TableName=str(self.cloud.stack.physical["CustomersTable"]),
            Key={"pk": {"S": f"WINDOW#{self.chat_key}"}, "sk": {"S": "WINDOW"}},
            UpdateExpression="SET open_until = :past, expires_at = :past",
            ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
        )

    def unsent_update(self, text: str) -> bytes:
        """The exact bytes the platform would post for this person's new text message (an update id never
        delivered, so a forgery built on it is not hidden by the webhook's dedupe), not posted."""
        request = SendRequest.model_validate({"channel": self.channel, "user": self.user, "kind": "text", "text": text})
        body = Builder(self.cloud.platforms.platforms, request).build()
        assert body is not None
        return serialize(self.channel, body)

    def session_version(self) -> int:
        """The version of this chat's conversation session (0: none yet)."""
        assert self.cloud.stack is not None
        item = (
            self.cloud.client("dynamodb")
            .get_item(
                TableName=str(self.cloud.stack.physical["SessionsTable"]),
                Key={"chat_key": {"S": self.chat_key}},
                ConsistentRead=True,
            )
            .get("Item")
        )
        return 0 if item is None else int(item["version"]["N"])

    def mark(self) -> Mark:
        """Take before a negative input; `barrier(mark)` after it says what the input caused."""
        return Mark(shown=len(self.messages()), session_version=self.session_version())

    def barrier(self, mark: Mark, timeout_s: float = 60) -> SinceMark:
        """Send BARRIER_TEXT in this chat and wait for its reply. The inbound queue is FIFO per chat (the
        message group is the chat key), so whatever an earlier input of this chat made the bot say or
        save was said and saved before the barrier's reply: every bot message after `mark` and before
        that reply, in order, and the session saves since `mark` other than the barrier's own (only the
        conversation saves sessions). A negative check asserts these are empty; the barrier fails if its
        reply never comes. What a journey sends is not in the queue's order: wait for `ended_journeys`."""
        sent = self._send("text", text=BARRIER_TEXT)
        assert sent["status"] == 200, sent
        deadline = time.monotonic() + timeout_s
        while True:
            shown = self.messages()
            at = next(
                (i for i in range(mark.shown, len(shown)) if BARRIER_REPLY in str(shown[i].get("text") or "")), None
            )
            if at is not None:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"no barrier reply in {timeout_s} s; the bot said: {self.texts()[-800:]}")
            time.sleep(0.1)
        saves = self.session_version() - mark.session_version - 1
        self._answered_from = at
        time.sleep(0.15)  # the rest of the barrier's turn (the step shown again), as `act` lets it land
        return SinceMark(replies=shown[mark.shown : at], session_saves=saves)


def since(chat: PlatformChat, before: int, text_part: str, timeout_s: float = 30) -> dict[str, Any]:
    """The first bot message after the first `before` ones that contains `text_part`, waiting for it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for message in chat.messages()[before:]:
            if text_part in str(message.get("text") or ""):
                return message
        time.sleep(0.2)
    raise AssertionError(f"no new {text_part!r} in {timeout_s} s; the bot said: {chat.texts()}")


def journeys_of(cloud: LocalCloud, machine: str, chat: PlatformChat) -> list[dict[str, Any]]:
    """This chat's executions of the state machine `machine` (its logical id), described, as they are now.
    A turn starts its journey before it sends its replies: once the reply to an input has arrived, a
    journey that input would have started is listed."""
    sfn = cloud.client("stepfunctions")
    assert cloud.stack is not None
    found = []
    for execution in sfn.list_executions(stateMachineArn=cloud.stack.state_machines[machine])["executions"]:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if json.loads(described["input"]).get("chat_key") == chat.chat_key:
            found.append(dict(described))
    return found


def waits_of(cloud: LocalCloud, chat: PlatformChat) -> list[str]:
    """The references of the journey waits parked for this chat (a journey's task token kept until the
    customer, or the acquirer, answers); completing a wait deletes it before the completer answers."""
    assert cloud.stack is not None
    items = cloud.client("dynamodb").scan(
        TableName=str(cloud.stack.physical["JourneyWaitsTable"]),
        FilterExpression="chat_key = :c",
        ExpressionAttributeValues={":c": {"S": chat.chat_key}},
        ConsistentRead=True,
    )["Items"]
    return sorted(str(item["ref"]["S"]) for item in items)


def ended_journeys(cloud: LocalCloud, machine: str, chat: PlatformChat, timeout_s: float = 60) -> list[dict[str, Any]]:
    """This chat's executions of `machine`, once there is at least one and none is still running; fails if
    that does not happen within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = journeys_of(cloud, machine, chat)
        if found and all(e["status"] != "RUNNING" for e in found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{machine} of {chat.chat_key}: {[e['status'] for e in found]} after {timeout_s} s")
        time.sleep(0.3)
