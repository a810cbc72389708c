"""The sign-in zone through the whole local cloud: a customer binds a second messenger's chat only by
proving the phone in the chat and the card (its full number and expiry, Cerberus) on the secure page;
wrong cards lock sign-in; a sensitive operation asks for the bank password again on the secure page (or
the card there, for a customer without a password) and then goes on; card limits, changed within the
bank's maximum."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from messenger_bank.security._hs256 import chat_binding
from tests.e2e.driver import Chat, Person, onboard, since, web_app_form

# The chat bindings this test computes (to back-date a proof) are made with the cloud's identity key.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("the_clouds_identity_key")]

CARD_READY = re.compile(r"карта готова: \d{6}\*+(\d{4}), действует до (\d{2}/\d{2})")
MENU = "Что вы хотите сделать?"


def new_customer(cloud: LocalCloud, channel: str, prefix: str = "66") -> tuple[Chat, Person, str, str]:
    """A person who has just got a digital card in `channel`: (chat, person, last four digits, expiry)."""
    person = Person()
    chat = Chat(cloud, channel, f"{prefix}{person.number:06d}", phone=person.phone)
    onboard(chat, person)
    ready = chat.wait_for("карта готова", timeout_s=90)
    found = CARD_READY.search(str(ready["text"]))
    assert found, ready["text"]
    return chat, person, found[1], found[2]


def after(chat: Chat, action: Any, expect: str, timeout_s: float = 30) -> dict[str, Any]:
    """Do `action`, then wait for a new bot message containing `expect`."""
    before = len(chat.messages())
    action()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for message in chat.messages()[before:]:
            if expect in str(message.get("text") or ""):
                time.sleep(0.2)  # the rest of the turn
                return message
        time.sleep(0.1)
    shown = [(m.get("text"), json.dumps(m.get("markup"), ensure_ascii=False)[:300]) for m in chat.messages()[-6:]]
    raise AssertionError(f"no {expect!r} in {timeout_s} s; the bot said: {shown}")


def table(cloud: LocalCloud) -> str:
    assert cloud.stack is not None
    return str(cloud.stack.physical["CustomersTable"])


def bound_customer(cloud: LocalCloud, chat: Chat) -> str | None:
    items = cloud.client("dynamodb").query(
        TableName=table(cloud),
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :k",
        ExpressionAttributeValues={":k": {"S": f"IDENTITY#{chat.channel}#{chat.chat_id}"}},
    )["Items"]
    return str(items[0]["customer_id"]["S"]) if items else None


def proof_long_ago(cloud: LocalCloud, chat: Chat) -> None:
    """As if the chat last proved the card or password two hours ago (sensitive operations ask again):
    the proof is back-dated, and the chat's session token, which would have expired by then, is gone."""
    customer_id = bound_customer(cloud, chat)
    assert customer_id and cloud.stack is not None
    cloud.client("dynamodb").update_item(
        TableName=str(cloud.stack.physical["SessionsTable"]),
        Key={"chat_key": {"S": chat.chat_key}},
        UpdateExpression="REMOVE session_token",
    )
    cloud.client("dynamodb").put_item(
        TableName=table(cloud),
        Item={
            "pk": {"S": f"CUSTOMER#{customer_id}"},
            "sk": {"S": f"AUTH#{chat_binding(chat.chat_key)}"},
            "auth_time": {"N": str(int(time.time()) - 7200)},
            "expires_at": {"N": str(int(time.time()) + 86_400)},
        },
    )


def page_link(cloud: LocalCloud, message: dict[str, Any], page: str) -> str:
    """The secure page link in a message's buttons, on the local API front."""
    markup = json.dumps([message.get("markup"), message.get("text")])  # a button, or a "label: link" line
    found = re.search(rf"https?://[^\"\s]+/secure/{page}\?[^\"\s]*t=[A-Za-z0-9._=%&-]+", markup)
    assert found, f"no {page} link in {message}"
    assert cloud.api is not None
    parts = urlsplit(found[0])
    return f"{cloud.api.base_url}{parts.path}?{parts.query}"


CARD_PAGE = "защищённой странице: полный номер карты"
SIGNED_IN = "чат привязан"


def card_of(cloud: LocalCloud, person: Person) -> tuple[str, str]:
    """The full number and expiry of the person's card, as on the plastic (the chat shows a mask only)."""
    (card,) = cloud.sandbox.bank.cards_of(cloud.sandbox.bank.find_customer_by_phone(person.phone)["id"])
    return str(card["pan"]), str(card["expiry"])


def card_page(
    cloud: LocalCloud, chat: Chat, message: dict[str, Any], pan: str, expiry: str, page: str = "signin"
) -> httpx.Response:
    """The card typed on the secure page the bot's `message` links to, opened from `chat`."""
    form = web_app_form(chat, {"card_number": pan, "card_expiry": expiry})
    return httpx.post(page_link(cloud, message, page), data=form, timeout=20)


def to_card_services(chat: Chat) -> None:
    after(chat, lambda: chat.say("меню"), MENU)
    after(chat, lambda: chat.press("Карта"), "Что сделать с картой?")


# ---------------------------------------------------------------- binding a second messenger (on each messenger:
# test_journeys.py)
def test_wrong_cards_lock_sign_in_and_bind_nothing(cloud: LocalCloud) -> None:
    _, person, _, expiry = new_customer(cloud, "viber")
    pan, _ = card_of(cloud, person)
    wrong = other_card_with_the_same_mask(pan)
    second = Chat(cloud, "telegram", f"64{person.number:06d}", phone=person.phone)
    second.say("/start", replies=2)
    after(second, lambda: second.press("Баланс"), "если вы уже клиент")
    after(second, lambda: second.press("Войти"), "Подтвердим, что это вы")
    link = after(second, second.share_phone, CARD_PAGE)

    tries = [card_page(cloud, second, link, wrong, expiry) for _ in range(3)]
    right = card_page(cloud, second, link, pan, expiry)  # locked: even the right card does not sign in now
    after(second, lambda: second.press("Продолжить"), "Слишком много неверных попыток")

    assert [t.status_code for t in tries] == [422, 422, 429]
    assert "Не получилось подтвердить карту" in tries[0].text
    assert right.status_code == 429 and 'data-outcome="locked"' in right.text
    assert bound_customer(cloud, second) is None


def other_card_with_the_same_mask(pan: str) -> str:
    """Another valid card number that the chat would show exactly as `pan` (first six, last four)."""
    from messenger_bank.cardnumbers import luhn_valid

    for middle in range(10 ** (len(pan) - 10)):
        candidate = pan[:6] + f"{middle:0{len(pan) - 10}d}" + pan[-4:]
        if candidate != pan and luhn_valid(candidate):
            return candidate
    raise AssertionError("no other number behind this mask")


# ---------------------------------------------------------------- asked again before a sensitive operation
@pytest.mark.parametrize("channel", ["telegram", "viber"])
def test_a_pin_change_after_a_while_asks_for_the_bank_password_on_the_secure_page(
    cloud: LocalCloud, channel: str
) -> None:
    chat, _, _, _ = new_customer(cloud, channel)
    to_card_services(chat)
    link = after(chat, lambda: chat.press("Сменить пароль"), "Смените пароль банка")
    password = {"password": "Bank-pass-2026", "password_confirm": "Bank-pass-2026"}
    assert (
        httpx.post(page_link(cloud, link, "password"), data=web_app_form(chat, password), timeout=20).status_code == 200
    )
    proof_long_ago(cloud, chat)

    to_card_services(chat)
    asked = after(chat, lambda: chat.press("Сменить PIN"), "подтвердите пароль банка")
    wrong = httpx.post(
        page_link(cloud, asked, "confirm"), data=web_app_form(chat, {"confirm": "not-my-pass1"}), timeout=20
    )
    asked_again = after(chat, lambda: chat.press("Продолжить"), "подтвердите пароль банка")
    right = httpx.post(
        page_link(cloud, asked_again, "confirm"), data=web_app_form(chat, {"confirm": "Bank-pass-2026"}), timeout=20
    )
    pin_link = after(chat, lambda: chat.press("Продолжить"), "Установите новый PIN")

    assert wrong.status_code == 422 and 'data-outcome="wrong_password"' in wrong.text
    assert right.status_code == 200 and 'data-outcome="confirm_done"' in right.text
    assert page_link(cloud, pin_link, "pin")
    assert "Bank-pass-2026" not in chat.texts()


def test_without_a_bank_password_an_unblock_asks_for_the_card_again(cloud: LocalCloud) -> None:
    chat, person, last_four, expiry = new_customer(cloud, "telegram")
    pan, _ = card_of(cloud, person)
    to_card_services(chat)
    after(chat, lambda: chat.press("Заблокировать"), "Почему блокируем")
    after(chat, lambda: chat.press("Потеряна"), "Заблокировать карту")
    after(chat, lambda: chat.press("Подтвердить"), "заблокирована")
    proof_long_ago(cloud, chat)

    to_card_services(chat)
    after(chat, lambda: chat.press("Разблокировать"), "Разблокировать карту")
    asked = after(chat, lambda: chat.press("Подтвердить"), "подтвердите карту ещё раз")
    page = card_page(cloud, chat, asked, pan, expiry, page="card")
    done = after(chat, lambda: chat.press("Продолжить"), "снова работает")

    assert page.status_code == 200 and 'data-outcome="card_done"' in page.text
    assert last_four in str(done["text"])


# ---------------------------------------------------------------- card limits
@pytest.mark.parametrize("channel", ["telegram", "viber"])
def test_a_card_limit_is_shown_and_changed_within_the_banks_maximum(cloud: LocalCloud, channel: str) -> None:
    chat, person, _, _ = new_customer(cloud, channel)
    to_card_services(chat)
    shown = after(chat, lambda: chat.press("Лимиты"), "Лимиты карты")
    assert "Наличные: 1" in str(shown["text"])  # 1 000.00 BYN a day, the bank's default

    after(chat, lambda: chat.press("Наличные"), "Какой лимит")
    after(chat, lambda: chat.say("300"), "Установить лимит")
    changed = after(chat, lambda: chat.press("Подтвердить"), "Готово. Лимиты")
    to_card_services(chat)
    after(chat, lambda: chat.press("Лимиты"), "Лимиты карты")
    after(chat, lambda: chat.press("Наличные"), "Какой лимит")
    after(chat, lambda: chat.say("6000"), "Установить лимит")
    too_high = after(chat, lambda: chat.press("Подтвердить"), "больше, чем позволяет банк")

    assert "Наличные: 300" in str(changed["text"])
    assert too_high
    (card,) = cloud.sandbox.bank.cards_of(cloud.sandbox.bank.find_customer_by_phone(person.phone)["id"])
    assert cloud.sandbox.bank.card_limits(card["id"])["cash"] == 30_000

    # The limit set in the chat is the one the card network meets: a kopeck above it at an ATM is declined
    # (the credit line would cover it) and the chat is told why.
    before = len(chat.messages())
    atm = {"card_id": card["id"], "amount_minor": 30_001, "currency": "BYN", "mcc": "6011", "merchant": "ATM Nemiga"}
    declined = httpx.post(
        f"{cloud.sandbox.urls['network']}/network/purchases", json=atm, headers={"Idempotency-Key": chat.chat_id}
    )
    assert (declined.status_code, declined.json()["error"]["limit"]) == (422, "cash")
    told = since(chat, before, "ATM Nemiga")
    assert "превышен лимит по карте" in str(told["text"])
