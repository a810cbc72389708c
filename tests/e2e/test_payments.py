"""Payments for services, top-ups from another bank's card and money requests, through the whole local
cloud: the chat on the fake messengers, the conversation, the bill_payment and topup journeys, the
bank sandbox's billing and acquirer (its payment page, its signed callback to POST /callbacks/acquirer)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from tests.e2e.driver import Chat, ended_journeys, since, waits_of
from tests.e2e.test_transfers import FUNDS, balance, funded_customer, operations

pytestmark = pytest.mark.e2e


def callback_url(cloud: LocalCloud) -> str:
    assert cloud.api is not None
    return f"{cloud.api.base_url}/callbacks/acquirer"


@pytest.fixture
def acquirer_calls_back(cloud: LocalCloud) -> Any:
    """The sandbox acquirer posts its signed results to this cloud's API front (the merchant setting)."""
    assert cloud.sandbox.acquirer is not None
    cloud.sandbox.acquirer.callback_url_override = callback_url(cloud)
    yield cloud.sandbox.acquirer
    cloud.sandbox.acquirer.callback_url_override = None


def pay_for_mobile(chat: Chat, phone: str) -> list[dict[str, Any]]:
    chat.press("Оплатить")
    chat.press("Мобильная связь")
    chat.press("MTS")
    return chat.say(phone)


# ---------------------------------------------------------------- payments for services (each category on each
# messenger: test_journeys.py)
def test_an_account_the_payee_does_not_know_is_explained(cloud: LocalCloud) -> None:
    chat, account = funded_customer(cloud, "viber")

    shown = pay_for_mobile(chat, "+375 29 000-12-34")

    assert any("не знает такого счёта" in (m["text"] or "") for m in shown)
    assert balance(cloud, account) == FUNDS


# ---------------------------------------------------------------- top-up from another bank's card
def start_topup(chat: Chat, amount: str) -> str:
    """Ask for a top-up; the acquirer's payment id, from the link button the bot sends."""
    before = len(chat.messages())  # this top-up's link, not an earlier top-up's in the same chat
    # From the menu the last message offers: Messenger's quick replies live on the latest message only.
    chat.press("Меню")
    chat.press("Пополнить")
    chat.press("С любой карты")
    chat.say(amount)
    chat.press("Подтвердить")
    link = since(chat, before, "3-D Secure", timeout_s=60)
    # A link button (on WhatsApp an interactive cta_url message, its text in the body).
    found = re.search(r"/pay/(pay_[A-Za-z0-9_-]+)", json.dumps([link.get("markup"), link.get("text")]))
    assert found, f"no payment link in {link}"
    return found[1]


def pay_on_the_acquirers_page(cloud: LocalCloud, payment_id: str) -> None:
    """The customer pays on the acquirer's page with another bank's card: the card form, then the 3-D Secure code."""
    page = f"{cloud.sandbox.urls['acquirer']}/pay/{payment_id}"
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        browser.post(page, data={"pan": "4111 1111 1111 1111", "expiry": "12/30", "cvv": "123"}).raise_for_status()
        browser.post(f"{page}/3ds", data={"code": "123456"}).raise_for_status()


def acquirer_api(cloud: LocalCloud, path: str, body: dict[str, Any]) -> httpx.Response:
    key = cloud.sandbox.config.acquirer_api_key
    return httpx.post(f"{cloud.sandbox.urls['acquirer']}{path}", json=body, headers={"X-API-Key": key}, timeout=10)


def signed(cloud: LocalCloud, event: dict[str, Any], secret: str | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event, separators=(",", ":")).encode()
    stamp = str(int(time.time()))
    key = (secret or cloud.sandbox.config.acquirer_callback_secret).encode()
    mac = hmac.new(key, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Signature-Timestamp": stamp, "X-Signature": f"sha256={mac}"}


def test_a_top_up_through_the_payment_page_credits_once_and_forged_callbacks_are_refused(
    cloud: LocalCloud, acquirer_calls_back: Any
) -> None:
    chat, account = funded_customer(cloud, "telegram", amount=0)
    payment_id = start_topup(chat, "25")
    acquirer = f"{cloud.sandbox.urls['acquirer']}/api/v1/payments/{payment_id}"
    key = {"X-API-Key": cloud.sandbox.config.acquirer_api_key}

    # A forged "succeeded" callback while the top-up waits for the acquirer. Were it let in, it would end
    # that wait before answering (the wait is deleted, then the journey resumed), so the wait is the barrier.
    parked = waits_of(cloud, chat)
    assert [ref.rsplit(":", 1)[-1] for ref in parked] == ["acquirer"]
    waiting = httpx.get(acquirer, headers=key, timeout=10).json()
    forged = {"event_id": "evt_forged", "type": "payment.succeeded", "payment": {**waiting, "status": "succeeded"}}
    forged_body, forged_headers = signed(cloud, forged, secret="not-the-acquirers-secret")
    refused = httpx.post(callback_url(cloud), content=forged_body, headers=forged_headers, timeout=10)
    assert refused.status_code in (401, 403)
    assert waits_of(cloud, chat) == parked  # still waiting for the acquirer's genuine word

    pay_on_the_acquirers_page(cloud, payment_id)
    done = chat.wait_for("пополнена")
    assert "25.00 BYN" in done["text"]

    # The acquirer's callback again (a retry, twice): the top-up no longer waits, so it resumes nothing.
    event = {"event_id": "evt_again", "type": "payment.succeeded", "payment": httpx.get(acquirer, headers=key).json()}
    body, headers = signed(cloud, event)
    retries = [httpx.post(callback_url(cloud), content=body, headers=headers, timeout=10) for _ in range(2)]
    assert [(r.status_code, r.json()["message"]) for r in retries] == [(200, "already handled")] * 2
    # The journey has ended (the barrier for what it does): one top-up, credited once.
    assert [e["status"] for e in ended_journeys(cloud, "TopUpStateMachine", chat)] == ["SUCCEEDED"]
    assert balance(cloud, account) == 2_500
    assert operations(cloud, account) == ["credit"]


def test_a_failed_top_up_is_reported_and_leaves_the_balance_alone(cloud: LocalCloud, acquirer_calls_back: Any) -> None:
    chat, account = funded_customer(cloud, "messenger", amount=0)
    payment_id = start_topup(chat, "30")

    acquirer_api(cloud, f"/api/v1/payments/{payment_id}/simulate", {"outcome": "failed"}).raise_for_status()
    chat.wait_for("Пополнение не прошло")

    assert balance(cloud, account) == 0
    assert operations(cloud, account) == []


# ---------------------------------------------------------------- request money
def test_a_money_request_reaches_a_customer_on_another_messenger_with_pay_and_decline(cloud: LocalCloud) -> None:
    """Asked from Viber of a Telegram customer (each messenger on its own: test_journeys.py)."""
    payer_chat, payer_account = funded_customer(cloud, "telegram")
    requester_chat, requester_account = funded_customer(cloud, "viber", amount=0)
    requester_chat.press("Меню")
    requester_chat.press("Пополнить")
    requester_chat.press("Попросить у друга")
    requester_chat.say(payer_chat.user["phone"])
    requester_chat.say("12")
    requester_chat.press("Подтвердить")
    requester_chat.wait_for("Я попросил")

    asked = payer_chat.wait_for("просит у вас")
    labels = json.dumps(asked.get("markup"), ensure_ascii=False)
    assert "Оплатить" in labels and "Отклонить" in labels
    payer_chat.press("💸")
    payer_chat.press("💸")  # the confirmation, with the amount filled in
    payer_chat.wait_for("Вы перевели")
    told = requester_chat.wait_for("перевёл вам")

    assert "12.00 BYN" in told["text"]
    assert balance(cloud, payer_account) == FUNDS - 1_200
    assert balance(cloud, requester_account) == 1_200
    assert operations(cloud, payer_account).count("transfer") == 1
    assert operations(cloud, requester_account) == ["transfer"]
