"""Bound chats through the HTTP front: a customer on Telegram signs in on Viber, the Telegram chat is
told at once with a "This wasn't me" button, and pressing it makes the Viber chat a stranger's again;
"My chats" in the card menu lists both and removes one after a confirmation."""

from __future__ import annotations

import pytest

from local.cloud.cloud import LocalCloud
from tests.e2e.driver import Chat, Person
from tests.e2e.test_sign_in import (
    CARD_PAGE,
    SIGNED_IN,
    after,
    bound_customer,
    card_of,
    card_page,
    new_customer,
    to_card_services,
)

pytestmark = pytest.mark.e2e

ANNOUNCED = "только что вошли в Viber"
STRANGER = "если вы уже клиент"  # menu.no_customer: sign in, or get a card


def sign_in_on_viber(cloud: LocalCloud, person: Person, expiry: str, prefix: str) -> Chat:
    """The customer's own sign-in on a second messenger, every step of it in this one place: the phone by a
    one-time code in the chat, the card's full number and expiry on the secure page."""
    viber = Chat(cloud, "viber", f"{prefix}{person.number:06d}", phone=person.phone)
    viber.say("привет", replies=2)
    after(viber, lambda: viber.press("Баланс"), STRANGER)
    after(viber, lambda: viber.press("Войти"), "Подтвердим, что это вы")
    after(viber, viber.share_phone, "код")  # Viber does not vouch for a contact: a code proves it
    link = after(viber, lambda: viber.say(viber.last_code()), CARD_PAGE)
    pan, _ = card_of(cloud, person)
    assert card_page(cloud, viber, link, pan, expiry).status_code == 200
    after(viber, lambda: viber.press("Продолжить"), SIGNED_IN)
    return viber


def test_this_wasnt_me_on_telegram_makes_the_new_viber_chat_a_stranger_again(cloud: LocalCloud) -> None:
    telegram, person, _, expiry = new_customer(cloud, "telegram", prefix="91")
    customer_id = bound_customer(cloud, telegram)
    assert customer_id is not None

    viber = sign_in_on_viber(cloud, person, expiry, prefix="92")
    assert bound_customer(cloud, viber) == customer_id
    announced = telegram.wait_for(ANNOUNCED)
    assert "Это был не я" in str(announced.get("markup"))
    assert ANNOUNCED not in viber.texts()  # the new chat itself is not told

    after(telegram, lambda: telegram.press("Это был не я"), "отвязан")

    assert bound_customer(cloud, viber) is None
    assert bound_customer(cloud, telegram) == customer_id
    mark = viber.mark()
    viber.press("Баланс")
    since = viber.barrier(mark)
    assert any(STRANGER in said for said in since.texts), since.texts
    assert not any("Баланс:" in said for said in since.texts), since.texts


def test_my_chats_lists_both_chats_and_removes_the_other_after_a_confirmation(cloud: LocalCloud) -> None:
    telegram, person, _, expiry = new_customer(cloud, "telegram", prefix="93")
    viber = sign_in_on_viber(cloud, person, expiry, prefix="94")

    # Telegram came first: it may remove the newer Viber chat at once (not the other way round for a day).
    to_card_services(telegram)
    listed = after(telegram, lambda: telegram.press("Мои чаты"), "Чаты, в которых открыт ваш банк")
    assert "Telegram (этот чат)" in str(listed["text"]) and "Viber" in str(listed["text"])
    after(telegram, lambda: telegram.press("Viber"), "Отвязать чат Viber")
    after(telegram, lambda: telegram.press("Отвязать"), "чат Viber отвязан")

    assert bound_customer(cloud, viber) is None
    mark = viber.mark()
    viber.press("Баланс")
    since = viber.barrier(mark)
    assert any(STRANGER in said for said in since.texts), since.texts
