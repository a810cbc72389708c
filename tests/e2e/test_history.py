"""The history of operations through the whole local cloud, on Telegram and Viber: after a payment for
services and a transfer, the customer asks for the history in words and gets the last operations as a
message (amounts, kinds, counterparties masked, dates) and as a PDF document."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from messenger_bank.security.cards import find_pans
from tests.e2e.driver import Chat, since
from tests.e2e.test_payments import pay_for_mobile
from tests.e2e.test_transfers import FUNDS, RECIPIENT_PAN, ask_to_send, balance, funded_customer, operations

pytestmark = pytest.mark.e2e

NBSP = "\u00a0"


def document_after(chat: Chat, before: int, timeout_s: float = 30) -> list[dict[str, Any]]:
    """The bot's messages after the first `before`, once a document is among them (Telegram sends it with
    the text; Viber, not told the file's size, sends the document's link as a message of its own)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = chat.messages()[before:]
        if any(m["kind"] in {"document", "url"} for m in answer):
            return answer
        time.sleep(0.2)
    raise AssertionError(f"no document in {timeout_s} s; the bot said: {chat.texts()}")


@pytest.mark.parametrize("channel", ["telegram", "viber"])
def test_the_history_lists_the_last_operations_as_a_message_and_a_document(cloud: LocalCloud, channel: str) -> None:
    chat, account = funded_customer(cloud, channel)
    pay_for_mobile(chat, "+375 29 123-45-67")
    chat.say("15")
    chat.press("Подтвердить")
    chat.wait_for("Оплачено")
    ask_to_send(chat, RECIPIENT_PAN, "10")
    chat.press("Подтвердить")
    chat.wait_for("Перевод выполнен")

    before = len(chat.messages())
    chat.say("история операций")
    shown = since(chat, before, "Последние операции")
    answer = document_after(chat, before)

    today = datetime.now(UTC).strftime("%d.%m.%Y")
    assert str(shown["text"]).splitlines()[1:] == [
        f"{today} −11,00{NBSP}BYN · списание · •• 1111",  # the transfer: 10.00 and the 1.00 fee
        f"{today} −15,00{NBSP}BYN · оплата · MTS +37***567",  # the payee's account, masked by billing
        f"{today} +1{NBSP}000,00{NBSP}BYN · зачисление",
    ]
    assert find_pans(chat.texts()) == []
    documents = [m for m in answer if m["kind"] in {"document", "url"}]
    assert len(documents) == 1, [(m["kind"], m["text"], m["media"]) for m in answer]
    url = (documents[0]["media"] or {}).get("url") or documents[0]["extra"].get("media")
    document = httpx.get(url, timeout=10)
    assert document.status_code == 200 and document.content.startswith(b"%PDF")
    # What the history shows is what the bank did.
    assert sorted(operations(cloud, account)) == ["bill_payment", "credit", "debit"]
    assert balance(cloud, account) == FUNDS - 1_500 - 1_100
