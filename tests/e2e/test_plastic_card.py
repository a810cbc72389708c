"""A plastic card through the whole local cloud, on Telegram: a new customer orders it to an address, core
banking's status events (posted by the test after moving the sandbox's order on: the sandbox has no push)
reach POST /internal/plastic-events, and the customer hears each step; a repeated event changes nothing."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from tests.e2e.driver import Chat, Person, onboard, since

pytestmark = pytest.mark.e2e

ADDRESS = "г. Минск, ул. Ленина, д. 5, кв. 12"


def tracked_order(cloud: LocalCloud, chat: Chat, timeout_s: float = 20) -> dict[str, str]:
    """Our record of the chat's plastic order (PLASTIC#<order id>), once the journey has ordered."""
    assert cloud.stack is not None
    dynamodb = cloud.client("dynamodb")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        items = dynamodb.scan(
            TableName=str(cloud.stack.physical["CustomersTable"]),
            FilterExpression="begins_with(pk, :p) AND chat_key = :c",
            ExpressionAttributeValues={":p": {"S": "PLASTIC#"}, ":c": {"S": chat.chat_key}},
        )["Items"]
        if items:
            return {name: value["S"] for name, value in items[0].items() if "S" in value}
        time.sleep(0.2)
    raise AssertionError("the journey ordered nothing")


def bank_token(cloud: LocalCloud) -> str:
    """A client-credentials token of the bank's Keycloak realm, as core banking would present (its own
    client, whose tokens carry the role POST /internal/plastic-events needs)."""
    client_id = "core-banking"
    secret = cloud.sandbox.config.keycloak_clients[client_id]
    return str(
        httpx.post(
            f"{cloud.sandbox.urls['keycloak']}/realms/bank/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=30,
        ).json()["access_token"]
    )


def advance_at_the_bank(cloud: LocalCloud, order_id: str) -> str:
    """The sandbox's test hook: the order's next status at core banking."""
    urls = cloud.sandbox.urls
    token = bank_token(cloud)
    answer = httpx.post(
        f"{urls['core']}/api/v1/plastic-orders/{order_id}/advance",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["status"])


def post_event(cloud: LocalCloud, order_id: str, status: str) -> dict[str, Any]:
    """What core banking pushes on a status change."""
    assert cloud.api is not None
    answer = httpx.post(
        f"{cloud.api.base_url}/internal/plastic-events",
        json={"order_id": order_id, "status": status},
        headers={"Authorization": f"Bearer {bank_token(cloud)}"},
        timeout=30,  # the first event meets the function cold
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def execution_arn(cloud: LocalCloud, execution: str) -> str:
    assert cloud.stack is not None
    machine = str(cloud.stack.state_machines["PlasticCardOrderStateMachine"])
    return f"{machine.replace(':stateMachine:', ':execution:')}:{execution}"


def execution_status(cloud: LocalCloud, execution: str, timeout_s: float = 20) -> str:
    sfn = cloud.client("stepfunctions")
    arn = execution_arn(cloud, execution)
    deadline = time.monotonic() + timeout_s
    while (status := str(sfn.describe_execution(executionArn=arn)["status"])) == "RUNNING":
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return status


def order_to_the_address(chat: Chat) -> None:
    """From the main menu: a plastic card to ADDRESS, confirmed, until the bank has accepted the order."""
    chat.press("🔒 Карта")
    chat.press("Пластиковая карта")
    chat.wait_for("Адрес доставки")
    chat.say(ADDRESS)
    chat.wait_for("Заказать пластиковую карту")
    before = len(chat.messages())
    chat.press("Подтвердить")
    since(chat, before, "принят банком")


def test_a_customer_orders_a_plastic_card_and_hears_each_step_once(cloud: LocalCloud) -> None:
    """Each event once, a repeated one changing nothing (each messenger, its window closed: test_journeys.py)."""
    person = Person()
    chat = Chat(cloud, "telegram", f"77{person.number:06d}", phone=person.phone)
    onboard(chat, person)
    chat.wait_for("карта готова")

    order_to_the_address(chat)
    order = tracked_order(cloud, chat)
    order_id = order["order_id"]

    # "ordered" is what the order call already said: its event changes nothing.
    assert post_event(cloud, order_id, "ordered")["changed"] is False
    for status, told in (("produced", "изготовлена"), ("sent", "отправлена"), ("delivered", "доставлена")):
        before = len(chat.messages())
        assert advance_at_the_bank(cloud, order_id) == status
        assert post_event(cloud, order_id, status)["changed"] is True
        since(chat, before, told)
        # The bank sends the same event again: nothing changes, nothing is said twice.
        assert post_event(cloud, order_id, status) == {
            "order_id": order_id,
            "status": status,
            "changed": False,
            "resumed": False,
        }

    assert execution_status(cloud, order["execution"]) == "SUCCEEDED"
    texts = [str(m.get("text") or "") for m in chat.messages()]
    for told in ("принят банком", "изготовлена", "отправлена", "доставлена"):
        assert sum(told in t for t in texts) == 1, told
    arn = execution_arn(cloud, order["execution"])
    history = json.dumps(cloud.client("stepfunctions").get_execution_history(executionArn=arn)["events"], default=str)
    assert "Ленина" not in history  # the address stays in the customers table
