"""Everyday card services through the whole local cloud, on Telegram and Viber: a new customer asks the
balance (by button and in words), blocks and unblocks the card, gets the requisites as a PDF document;
a forged button and another customer's card id are refused."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from messenger_bank.security.cards import find_pans
from tests.e2e.driver import Chat, Person, onboard

pytestmark = pytest.mark.e2e

CHANNELS = ["telegram", "viber"]


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


def since(chat: Chat, before: int, text_part: str, timeout_s: float = 30) -> dict[str, Any]:
    """The first bot message after the first `before` ones that contains `text_part`, waiting for it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for message in chat.messages()[before:]:
            if text_part in str(message.get("text") or ""):
                return message
        time.sleep(0.2)
    raise AssertionError(f"no new {text_part!r} in {timeout_s} s; the bot said: {chat.texts()}")


MENU = "Что вы хотите сделать?"


def step(chat: Chat, label: str, expect: str) -> list[dict[str, Any]]:
    """Press the button `label`, wait for the bot's answer containing `expect` (the turn's last words, so
    that the next press reads this answer's buttons, not an earlier one's); the turn's messages."""
    before = len(chat.messages())
    chat.press(label)
    since(chat, before, expect)
    return chat.messages()[before:]


def text_of(messages: list[dict[str, Any]], part: str) -> str:
    return next(str(m["text"]) for m in messages if part in str(m.get("text") or ""))


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


def invoke(cloud: LocalCloud, operation: str, payload: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Call an operation Lambda as the conversation does: (errorType or None, the answer)."""
    assert cloud.stack is not None
    stack = cloud.stack.name
    response = cloud.client("lambda").invoke(FunctionName=f"{stack}-op-{operation}", Payload=json.dumps(payload))
    answer = json.loads(response["Payload"].read() or b"null")
    return (str(answer.get("errorType")) if response.get("FunctionError") else None), answer


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_new_customer_sees_the_balance_by_button_and_in_words(cloud: LocalCloud, channel: str) -> None:
    chat = new_customer(cloud, channel)

    by_button = text_of(step(chat, "💰 Баланс", MENU), "Баланс:")
    before = len(chat.messages())
    chat.say("баланс")
    since(chat, before, MENU)
    in_words = text_of(chat.messages()[before:], "Баланс:")

    for answer in (by_button, in_words):
        assert "BYN" in answer and "Доступно:" in answer
        assert "******" in answer
        assert find_pans(answer) == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_customer_blocks_the_lost_card_and_unblocks_it(cloud: LocalCloud, channel: str) -> None:
    chat = new_customer(cloud, channel)

    step(chat, "🔒 Карта", "Что сделать с картой?")
    step(chat, "Заблокировать", "Почему блокируем карту?")
    step(chat, "Потеряна", "Заблокировать карту")
    assert "заблокирована" in text_of(step(chat, "Подтвердить", MENU), "Карта ")  # blocked, then the menu
    assert ids_of(cloud, chat)[2] == "blocked"

    step(chat, "🔒 Карта", "Что сделать с картой?")
    step(chat, "Разблокировать", "Разблокировать карту")
    assert "снова работает" in text_of(step(chat, "Подтвердить", MENU), "Карта ")
    assert ids_of(cloud, chat)[2] == "active"


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_requisites_arrive_as_a_pdf_document(cloud: LocalCloud, channel: str) -> None:
    chat = new_customer(cloud, channel)

    step(chat, "🔒 Карта", "Что сделать с картой?")
    shown = step(chat, "Реквизиты", MENU)

    # Telegram sends a document; Viber, not told the file's size, sends the document's link (its agreed way).
    documents = [m for m in shown if m["kind"] in {"document", "url"}]
    assert len(documents) == 1, [(m["kind"], m["text"], m["media"]) for m in shown]
    url = (documents[0]["media"] or {}).get("url") or documents[0]["extra"].get("media")
    answer = httpx.get(url, timeout=10)
    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF")
    assert "IBAN: BY" in text_of(shown, "IBAN")


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_forged_button_blocks_nothing(cloud: LocalCloud, channel: str) -> None:
    chat = new_customer(cloud, channel)
    _, card_id, _ = ids_of(cloud, chat)
    step(chat, "🔒 Карта", "Что сделать с картой?")
    step(chat, "Заблокировать", "Почему блокируем карту?")

    for forged in ("s:999:0", f"s:1:{card_id}", card_id, "g:go:card_services:do_block"):
        before = len(chat.messages())
        # The fake platform shows only buttons the bot sent: `force` sends what a forger would.
        chat.act(lambda payload=forged: cloud.platforms.send(channel, chat.user, "button", payload=payload, force=True))
        answer = " ".join(str(m["text"]) for m in chat.messages()[before:])
        # The bot answers ("no longer active", "choose a button", or asks the reason again) and does nothing.
        assert "Заблокировать карту" not in answer and "заблокирована" not in answer, (forged, answer)

    assert "заблокирована" not in chat.texts()
    assert ids_of(cloud, chat)[2] == "active"


def test_another_customers_card_id_is_refused_by_every_card_operation(cloud: LocalCloud) -> None:
    mallory = new_customer(cloud, "telegram")
    victim = new_customer(cloud, "viber")
    mallory_id, _, _ = ids_of(cloud, mallory)
    _, victims_card, _ = ids_of(cloud, victim)

    refusals = {
        operation: invoke(cloud, operation, {"customer_id": mallory_id, "card_id": victims_card, **extra})[0]
        for operation, extra in {
            "get_balance": {},
            "block_card": {"reason": "stolen"},
            "unblock_card": {},
            "get_requisites": {"language": "ru"},
            "create_secure_link": {"purpose": "pin", "channel": "telegram", "chat_key": mallory.chat_key},
        }.items()
    }

    assert refusals == dict.fromkeys(refusals, "NotYourCard")
    assert ids_of(cloud, victim)[2] == "active"
    error, own = invoke(cloud, "list_cards", {"customer_id": mallory_id})
    assert error is None
    assert victims_card not in {item["card_id"] for item in own["items"]}
