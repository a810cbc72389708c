"""Flows published without a code release, and only when their conversations pass, on Telegram and Viber.

A product person renames the main menu's transfer button. The conversation test that pins the menu's words
refuses the publish (AppConfig's validator Lambda on the local cloud): nothing changes for customers. With the
test brought up to date the same change is published, and each customer's next turn, on Telegram and on Viber,
shows the new words: no deploy, no restart. A deployment that meets a journey alarm in ALARM is rolled back. The
operations view shows the version that is live and each flow's picture.

The e2e cloud reads the published flows on every turn (FLOWS_MAX_AGE_S=0, tests/e2e/conftest.py), so a turn's
reply is the barrier; the module publishes the packaged flows again when it ends, for the modules after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from local.publish_flows import FlowsTarget, Published, publish
from messenger_bank.conversation.published import Bundle, bundle_from
from tests.e2e.driver import Chat, Person, buttons_in

pytestmark = pytest.mark.e2e

OLD, NEW = "↗️ Перевод", "↗️ Перевести деньги"
PINNING_TEST = "The main menu's transfer button reads «Перевод» in Russian"


def renamed(bundle: Bundle, *, test_too: bool) -> Bundle:
    catalogue = {**bundle.catalogue, "ru.yaml": bundle.catalogue["ru.yaml"].replace(OLD, NEW, 1)}
    conversations = dict(bundle.conversations)
    if test_too:
        conversations["menu.yaml"] = conversations["menu.yaml"].replace(f'"{OLD}"', f'"{NEW}"')
    return bundle.model_copy(update={"catalogue": catalogue, "conversations": conversations, "label": "e2e"})


@pytest.fixture(scope="module")
def target(cloud: LocalCloud) -> FlowsTarget:
    assert cloud.stack is not None
    return FlowsTarget.from_outputs(cloud.stack.outputs)


@pytest.fixture(scope="module")
def appconfig(cloud: LocalCloud, target: FlowsTarget) -> Iterator[Any]:
    client = cloud.client("appconfig")
    yield client
    publish(client, target, bundle_from(label="e2e: the packaged flows again"))  # for the modules after this one


def menu_buttons(chat: Chat) -> list[str]:
    replies = chat.say("меню", replies=1)
    return [label for reply in replies for label, _ in buttons_in(reply["markup"])]


def new_chat(cloud: LocalCloud, channel: str) -> Chat:
    person = Person()
    chat = Chat(cloud, channel, f"77{person.number:06d}", phone=person.phone)
    chat.say("привет", replies=2)  # greeted, then the menu
    return chat


def published_ok(result: Published) -> None:
    assert result.ok and result.state == "COMPLETE", result.message


def test_a_changed_menu_word_is_refused_by_its_conversation_test_then_published_once_fixed(
    cloud: LocalCloud, appconfig: Any, target: FlowsTarget
) -> None:
    chats = [new_chat(cloud, "telegram"), new_chat(cloud, "viber")]
    for chat in chats:
        assert OLD in menu_buttons(chat)

    refused = publish(appconfig, target, renamed(bundle_from(), test_too=False))

    assert not refused.ok and refused.deployment is None
    assert f"«{PINNING_TEST}», turn 1 (the customer opens the chat)" in refused.message
    assert f"should show the button «{OLD}»" in refused.message and NEW in refused.message
    for chat in chats:  # nothing reached customers
        assert OLD in menu_buttons(chat)

    fixed = renamed(bundle_from(), test_too=True)
    published_ok(publish(appconfig, target, fixed))

    for chat in chats:  # the next turn, no deploy, no restart
        labels = menu_buttons(chat)
        assert NEW in labels and OLD not in labels, (chat.channel, labels)


def test_the_operations_view_shows_the_live_version_and_each_flows_picture(
    cloud: LocalCloud, appconfig: Any, target: FlowsTarget
) -> None:
    fixed = renamed(bundle_from(), test_too=True)
    assert cloud.ops is not None
    with httpx.Client(base_url=cloud.ops.url, timeout=30) as ops:
        assert ops.get("/api/flows").status_code == 401  # behind the operator sign-in
        signed_in = ops.post(
            "/api/session",
            json={"username": "operator", "password": "sandbox-operator-password"},
            headers={"Origin": cloud.ops.url},
        )
        assert signed_in.status_code == 200, signed_in.text
        summary = ops.get("/api/flows").json()
        picture = ops.get("/api/flows/menu.svg")

    assert summary["live"]["version"] == fixed.digest
    assert summary["live"]["deployment"]["state"] == "COMPLETE"
    assert {"menu", "transfer", "topup", "payment"} <= {flow["name"] for flow in summary["flows"]}
    assert picture.headers["content-type"].startswith("image/svg+xml") and "<svg" in picture.text


def test_a_publish_that_meets_a_journey_alarm_is_rolled_back(
    cloud: LocalCloud, appconfig: Any, target: FlowsTarget
) -> None:
    chat = new_chat(cloud, "telegram")
    assert NEW in menu_buttons(chat)  # the change of the first case is live
    cloudwatch = cloud.client("cloudwatch")
    names = [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]]
    alarm = next(name for name in names if name.endswith("TransferFailureRateAlarm"))
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="e2e: transfers failing")
    try:
        rolled_back = publish(appconfig, target, bundle_from(label="e2e: back to the packaged words"))
    finally:
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="e2e: over")

    assert not rolled_back.ok and rolled_back.state == "ROLLED_BACK"
    assert "TransferFailureRateAlarm" in rolled_back.message
    assert NEW in menu_buttons(chat)  # the version before is served again

    published_ok(publish(appconfig, target, bundle_from(label="e2e: back to the packaged words")))
    assert OLD in menu_buttons(chat)
