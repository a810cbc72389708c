"""The secure page in a real headless Chromium (Debian's, driven by Playwright) on a phone-sized screen:
open the one-time link, set a PIN, see the success page; the same link a second time is refused."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from local.cloud.cloud import LocalCloud
from tests.e2e.driver import Chat, Person, onboard, web_app_url
from tests.e2e.test_attacks import customer_and_card, secure_link
from tests.e2e.test_chat_page import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

SCREENSHOT = "/tmp/secure_page.png"


@pytest.fixture
def phone() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        yield page
        context.close()
        browser.close()


def customer_with_a_card(cloud: LocalCloud, channel: str, prefix: str) -> dict[str, Any]:
    """A new customer who has just got the digital card: chat, customer id and card id."""
    person = Person()
    chat = Chat(cloud, channel, f"{prefix}{person.number:06d}", phone=person.phone)
    onboard(chat, person)
    chat.wait_for("карта готова", timeout_s=90)
    customer_id, card_id = customer_and_card(cloud, person)
    return {"chat": chat, "customer_id": customer_id, "card_id": card_id}


def test_a_customer_sets_a_pin_on_a_phone_and_the_link_works_once(cloud: LocalCloud, phone: Any) -> None:
    who = customer_with_a_card(cloud, "telegram", "68")
    link = web_app_url(who["chat"], secure_link(cloud, who))  # opened as the chat's Web App, as Telegram does
    violations: list[str] = []
    phone.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    phone.goto(link)
    phone.fill("#first", "4829")
    phone.fill("#second", "4829")
    width = phone.evaluate("document.documentElement.scrollWidth")
    phone.click("#submit")
    phone.wait_for_selector("#outcome")
    phone.screenshot(path=SCREENSHOT, full_page=True)
    outcome = phone.get_attribute("#outcome", "data-outcome")
    # Opened again from the chat: a new load (the Web App link carries its initData in the fragment, and a
    # goto to the same address and fragment would only scroll the page that is already there).
    phone.goto("about:blank")
    phone.goto(link)
    again = phone.get_attribute("#outcome", "data-outcome")

    assert width <= 360  # no sideways scrolling on a phone
    assert outcome == "pin_done"
    assert again == "used"
    assert violations == []


def test_a_customer_sets_the_bank_password_then_confirms_with_it_on_a_phone(cloud: LocalCloud, phone: Any) -> None:
    who = customer_with_a_card(cloud, "viber", "63")

    phone.goto(secure_link(cloud, who, "password"))
    phone.fill("#first", "Phone-pass-77")
    phone.fill("#second", "Phone-pass-77")
    phone.click("#submit")
    phone.wait_for_selector("#outcome")
    set_outcome = phone.get_attribute("#outcome", "data-outcome")
    phone.goto(secure_link(cloud, who, "confirm"))
    fields = phone.locator("input[type=password]").count()
    width = phone.evaluate("document.documentElement.scrollWidth")
    phone.fill("#first", "Phone-pass-77")
    phone.click("#submit")
    phone.wait_for_selector("#outcome")

    assert set_outcome == "password_done"
    assert fields == 1  # confirming asks once
    assert width <= 360
    assert phone.get_attribute("#outcome", "data-outcome") == "confirm_done"
