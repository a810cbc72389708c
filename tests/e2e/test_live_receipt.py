"""The live receipt through the whole local cloud: after Confirm the journey says "in progress" and, on
Telegram, edits that very message as the transfer advances (the money taken, then the receipt or the refund),
the picture after it; on a messenger that cannot edit (Viber) the receipt is a new message under the
"in progress" one, and the stages between are not said."""

from __future__ import annotations

from typing import Any

import pytest

from local.cloud.cloud import LocalCloud
from messenger_bank.conversation.catalogue import text
from tests.e2e.driver import Chat
from tests.e2e.test_payments import pay_for_mobile
from tests.e2e.test_transfers import RECIPIENT_PAN, REFUSED_PAN, ask_to_send, funded_customer

pytestmark = pytest.mark.e2e

IN_PROGRESS = text("transfer.sent", "ru")
PAYING = text("payment.paying", "ru")


def confirmed(cloud: LocalCloud, chat: Chat, words: str) -> dict[str, Any]:
    """Press Confirm: the first message it brings is the journey's "in progress" (as first sent: by the
    time the press returns it may be the receipt already, or the receipt may lie under it)."""
    shown = chat.press("Подтвердить")[0]
    calls = cloud.platforms.store.recorded(chat.channel, chat.chat_id)
    first = next(c for c in calls if str(c["message_id"]) == str(shown["id"]))
    assert first["body"]["text"] == words, first["body"]
    return shown


def edits_of(cloud: LocalCloud, chat: Chat, message_id: str) -> list[str]:
    """The texts Telegram was asked to put into that message, in order."""
    calls = cloud.platforms.store.recorded("telegram", chat.chat_id)
    return [
        str(c["body"]["text"]) for c in calls if c["method"] == "editMessageText" and str(c["message_id"]) == message_id
    ]


def test_on_telegram_the_in_progress_message_becomes_the_receipt(cloud: LocalCloud) -> None:
    chat, _ = funded_customer(cloud, "telegram")
    ask_to_send(chat, RECIPIENT_PAN, "50")
    started = confirmed(cloud, chat, IN_PROGRESS)

    receipt = chat.wait_for("Перевод выполнен")
    picture = chat.wait_for_picture(after=[m["seq"] for m in chat.messages()].index(receipt["seq"]))

    assert receipt["id"] == started["id"] and receipt["edited"]
    debited, done = edits_of(cloud, chat, started["id"])
    assert debited == text("transfer.debited", "ru", mask="411111******1111", total="51.00 BYN")
    assert "Перевод выполнен" in done and "51.00 BYN" in done
    assert picture["seq"] > receipt["seq"]
    after = [m for m in chat.messages() if m["seq"] > receipt["seq"]]
    assert [m["kind"] for m in after] == ["photo"], "the receipt picture follows the edited words"
    assert IN_PROGRESS not in chat.texts()


def test_on_telegram_a_refund_edits_the_in_progress_message(cloud: LocalCloud) -> None:
    chat, _ = funded_customer(cloud, "telegram")
    ask_to_send(chat, REFUSED_PAN, "30")
    started = confirmed(cloud, chat, IN_PROGRESS)

    refunded = chat.wait_for("вернулись на вашу карту")

    assert refunded["id"] == started["id"] and refunded["edited"]
    assert IN_PROGRESS not in chat.texts()


def test_on_viber_the_receipt_is_a_new_message_under_the_in_progress_one(cloud: LocalCloud) -> None:
    chat, _ = funded_customer(cloud, "viber")
    ask_to_send(chat, RECIPIENT_PAN, "50")
    started = confirmed(cloud, chat, IN_PROGRESS)

    receipt = chat.wait_for("Перевод выполнен")

    assert receipt["id"] != started["id"] and receipt["seq"] > started["seq"]
    assert IN_PROGRESS in chat.texts()
    assert text("transfer.debited", "ru", mask="411111******1111", total="51.00 BYN") not in chat.texts()


def test_on_telegram_paying_becomes_the_payments_receipt(cloud: LocalCloud) -> None:
    chat, _ = funded_customer(cloud, "telegram")
    pay_for_mobile(chat, "+375 29 123-45-67")
    chat.say("15")
    started = confirmed(cloud, chat, PAYING)

    receipt = chat.wait_for("Оплачено")

    assert receipt["id"] == started["id"] and receipt["edited"]
    assert PAYING not in chat.texts()
