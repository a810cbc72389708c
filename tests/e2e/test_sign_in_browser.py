"""Sign-in's card page in a real headless Chromium on a phone-sized screen: a customer binds a second
Telegram chat by typing the card's full number (in groups, as printed) and expiry on the secure page
opened as the chat's Web App; the chat is bound, and the page breaks no Content-Security-Policy rule."""

from __future__ import annotations

from typing import Any

import pytest

from local.cloud.cloud import LocalCloud
from tests.e2e.driver import Chat, web_app_url
from tests.e2e.test_secure_page_browser import phone
from tests.e2e.test_sign_in import CARD_PAGE, SIGNED_IN, after, bound_customer, card_of, new_customer, page_link

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

__all__ = ["phone"]  # the fixture


def test_a_customer_signs_in_by_the_card_on_a_phone(cloud: LocalCloud, phone: Any) -> None:
    _, person, _, expiry = new_customer(cloud, "viber", prefix="62")
    pan, _ = card_of(cloud, person)
    chat = Chat(cloud, "telegram", f"61{person.number:06d}", phone=person.phone)
    chat.say("/start", replies=2)
    after(chat, lambda: chat.press("Баланс"), "если вы уже клиент")
    after(chat, lambda: chat.press("Войти"), "Подтвердим, что это вы")
    link = after(chat, chat.share_phone, CARD_PAGE)  # Telegram's own contact proves the phone
    violations: list[str] = []
    phone.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    phone.goto(web_app_url(chat, page_link(cloud, link, "signin")))
    phone.fill("#card_number", " ".join(pan[i : i + 4] for i in range(0, len(pan), 4)))
    phone.fill("#card_expiry", expiry)
    width = phone.evaluate("document.documentElement.scrollWidth")
    phone.click("#submit")
    phone.wait_for_selector("#outcome")
    outcome = phone.get_attribute("#outcome", "data-outcome")
    after(chat, lambda: chat.press("Продолжить"), SIGNED_IN)

    assert outcome == "signin_done"
    assert width <= 360
    assert violations == []
    assert bound_customer(cloud, chat) is not None
    assert pan not in chat.texts()
