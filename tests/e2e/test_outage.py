"""A customer walked through an outage of core banking, on two messengers, through the whole local cloud:
the sandbox takes core banking down (its admin API), the balance is answered at once with the last one the
bank told us and its time, "tell me when back" is recorded, the breaker opens after its failures and a
transfer is then refused before its first question (no journey started), the sandbox brings core banking
back, the scheduled check (invoked as its schedule would) probes it, closes the breaker and tells the
customer once, and the balance works again."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from local.sandbox.cerberus import CREDIT_LIMIT_HIGH
from messenger_bank.banking.settings import BankSettings
from messenger_bank.conversation.catalogue import text
from tests.e2e.driver import Chat, Person, journeys_of, onboard
from tests.e2e.test_card_issuance import chat_for
from tests.e2e.test_journeys import in_russian, to_card_services
from tests.e2e.test_sign_in import after

pytestmark = pytest.mark.e2e

CORE = text("outage.system.core", "ru")
DOWN = text("outage.down", "ru", systems=CORE)
BALANCE_DOWN_OPENING = text("outage.balance_down", "ru", systems=CORE, balances="").split("\n")[0]
BACK = text("outage.back", "ru", system=CORE)
WILL_TELL = text("outage.will_tell", "ru", systems=CORE)
FAILURES_TO_OPEN = BankSettings().breaker_failures  # the template's default, as deployed
MINSK = timezone(timedelta(hours=3))


def admin(cloud: LocalCloud, path: str) -> dict[str, Any]:
    answer = httpx.put(f"{cloud.sandbox.directory_url.rstrip('/')}/admin/systems/{path}", timeout=10)
    answer.raise_for_status()
    return dict(answer.json())


def breaker(cloud: LocalCloud, system: str) -> dict[str, Any]:
    assert cloud.stack is not None
    item = (
        cloud.client("dynamodb")
        .get_item(
            TableName=str(cloud.stack.physical["BankBreakersTable"]), Key={"system": {"S": system}}, ConsistentRead=True
        )
        .get("Item")
    )
    return (
        {"status": "closed", "failures": "0"} if item is None else {k: next(iter(v.values())) for k, v in item.items()}
    )


def check_systems(cloud: LocalCloud) -> list[dict[str, Any]]:
    """The scheduled check, invoked as EventBridge Scheduler would (the local cloud runs no schedules)."""
    assert cloud.stack is not None
    response = cloud.client("lambda").invoke(FunctionName=str(cloud.stack.physical["BankSystemsCheckFunction"]))
    answer = json.loads(response["Payload"].read())
    assert not response.get("FunctionError"), answer
    return list(answer)


def ask_balance(chat: Chat, expect: str) -> dict[str, Any]:
    to_card_services(chat)
    return after(chat, lambda: chat.press(text("card_services.balance", "ru")), expect)


@pytest.fixture
def core_banking_restored(cloud: LocalCloud) -> Iterator[None]:
    """Whatever the test leaves, core banking is up and its breaker closed for the modules that follow."""
    yield
    admin(cloud, "core/up")
    deadline = time.monotonic() + 30
    while breaker(cloud, "core")["status"] != "closed" and time.monotonic() < deadline:
        check_systems(cloud)
        time.sleep(1)


@pytest.mark.usefixtures("core_banking_restored")
@pytest.mark.parametrize("messenger", ["telegram", "viber"])
def test_a_customer_is_carried_through_an_outage_of_core_banking(cloud: LocalCloud, messenger: str) -> None:
    person = Person()
    chat = chat_for(cloud, messenger, person)
    onboard(chat, person)
    chat.wait_for("карта готова")
    available = in_russian(CREDIT_LIMIT_HIGH)  # a new card: its whole credit line
    read = ask_balance(chat, "Баланс:")  # read from the bank, and kept
    read_at = datetime.now(UTC).astimezone(MINSK)

    # Core banking goes down: the balance is answered at once, with the last one known and its time.
    assert admin(cloud, "core/down")["down"] == ["core"]
    started = time.monotonic()
    shown = str(ask_balance(chat, BALANCE_DOWN_OPENING)["text"])
    assert time.monotonic() - started < 15
    assert f"доступно {available} на {read_at:%d.%m.%Y} " in shown and "(UTC+03:00)" in shown, shown
    assert "Баланс:" not in shown and read["text"] not in shown

    # "Tell me when back" is recorded for core banking.
    after(chat, lambda: chat.press(text("outage.tell_me", "ru")), WILL_TELL)

    # More failures open the breaker: every call to core banking now fails at once.
    for _ in range(FAILURES_TO_OPEN - 1):
        if breaker(cloud, "core")["status"] == "open":
            break
        ask_balance(chat, BALANCE_DOWN_OPENING)
    assert breaker(cloud, "core")["status"] == "open"

    # A transfer is refused before its first question: no card number asked, no journey started.
    refused = after(chat, lambda: chat.say("перевод"), DOWN)
    assert text("transfer.recipient", "ru") not in chat.texts()[chat.texts().index(str(refused["text"])) :]
    assert journeys_of(cloud, "TransferStateMachine", chat) == []

    # Core banking comes back; the check probes it after the breaker's cool-down and tells the customer once.
    admin(cloud, "core/up")
    deadline = time.monotonic() + 60
    while BACK not in chat.texts():
        assert time.monotonic() < deadline, f"never told it is back; the bot said: {chat.texts()[-600:]}"
        check_systems(cloud)
        time.sleep(1)
    assert breaker(cloud, "core")["status"] == "closed"
    check_systems(cloud)  # a later check tells nobody again
    assert chat.texts().count(BACK) == 1

    # And the balance works again.
    assert "Баланс: " in str(ask_balance(chat, "Баланс:")["text"])
