"""Everyday card services through the whole local cloud: another customer's card id is refused by every card
operation. (Balance, block and unblock, requisites, the PIN and password pages, each on every messenger, are rows
of the journey matrix, test_journeys.py.)"""

from __future__ import annotations

import pytest

from local.cloud.cloud import LocalCloud
from tests.e2e.driver import Chat, Person, invoke_operation, onboard

pytestmark = pytest.mark.e2e

chat_person: dict[str, Person] = {}


@pytest.fixture(scope="module", autouse=True)
def warm_conversation(cloud: LocalCloud) -> None:
    """A first turn on a fresh cloud pays the conversation's cold start (the NLU model): pay it once, patiently."""
    person = Person()
    chat = Chat(cloud, "telegram", f"79{person.number:06d}", phone=person.phone)
    chat.act(lambda: chat.cloud.platforms.send("telegram", chat.user, "text", text="/start"), replies=2, timeout_s=120)


def new_customer(cloud: LocalCloud, channel: str) -> Chat:
    """A new person who has just got the digital card in a chat of `channel`."""
    person = Person()
    chat = Chat(cloud, channel, f"78{person.number:06d}", phone=person.phone)
    chat_person[chat.chat_key] = person
    onboard(chat, person)
    chat.wait_for("карта готова")
    return chat


def table(cloud: LocalCloud) -> str:
    assert cloud.stack is not None
    return str(cloud.stack.physical["CustomersTable"])


def ids_of(cloud: LocalCloud, chat: Chat) -> tuple[str, str, str]:
    """(customer id, card id, our card status) of the chat's customer, from the customers table."""
    dynamodb = cloud.client("dynamodb")
    person = chat_person[chat.chat_key]
    owner = dynamodb.get_item(TableName=table(cloud), Key={"pk": {"S": f"PHONE#{person.phone}"}, "sk": {"S": "UNIQUE"}})
    customer_id = owner["Item"]["customer_id"]["S"]
    cards = dynamodb.query(
        TableName=table(cloud),
        KeyConditionExpression="pk = :p AND begins_with(sk, :c)",
        ExpressionAttributeValues={":p": {"S": f"CUSTOMER#{customer_id}"}, ":c": {"S": "CARD#"}},
    )["Items"]
    (card,) = cards
    return customer_id, card["card_id"]["S"], card["status"]["S"]


def test_another_customers_card_id_is_refused_by_every_card_operation(cloud: LocalCloud) -> None:
    mallory = new_customer(cloud, "telegram")
    victim = new_customer(cloud, "viber")
    mallory_id, _, _ = ids_of(cloud, mallory)
    victim_id, victims_card, _ = ids_of(cloud, victim)

    attempts = {
        "get_balance": {},
        "block_card": {"reason": "stolen"},
        "unblock_card": {},
        "get_requisites": {"language": "ru"},
        "create_secure_link": {"purpose": "pin", "channel": "telegram", "chat_key": mallory.chat_key},
    }
    with_her_session = {
        operation: invoke_operation(
            cloud, operation, {"customer_id": mallory_id, "card_id": victims_card, **extra}, as_chat=mallory
        )[0]
        for operation, extra in attempts.items()
    }
    as_the_victim_without_a_session = {
        operation: invoke_operation(cloud, operation, {"customer_id": victim_id, "card_id": victims_card, **extra})[0]
        for operation, extra in attempts.items()
        if operation != "create_secure_link"
    }

    assert with_her_session == dict.fromkeys(attempts, "NotYourCard")
    assert as_the_victim_without_a_session == dict.fromkeys(as_the_victim_without_a_session, "SessionInvalid")
    assert ids_of(cloud, victim)[2] == "active"
    error, own = invoke_operation(cloud, "list_cards", {"customer_id": mallory_id}, as_chat=mallory)
    assert error is None
    assert victims_card not in {item["card_id"] for item in own["items"]}
