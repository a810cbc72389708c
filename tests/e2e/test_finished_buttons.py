"""Buttons belong to their step, through the whole local cloud: Telegram's share-phone keyboard goes once
the phone is given; a transfer's Confirm, pressed again after the transfer went through, is answered "from
a finished step" and moves nothing (on Telegram its buttons are edited off the message first, so only a
press that was already on its way can come; on WhatsApp the old message keeps them)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from local.cloud.cloud import LocalCloud
from messenger_bank.conversation.catalogue import text
from tests.e2e.driver import Chat
from tests.e2e.test_transfers import (
    FUNDS,
    RECIPIENT_PAN,
    ask_to_send,
    balance,
    funded_customer,
    operations,
    transfer_executions,
)

pytestmark = pytest.mark.e2e

STEP_FINISHED = text("common.step_finished", "ru")


def reply_keyboard_in_force(chat: Chat) -> Any:
    """The reply keyboard a Telegram client shows under the input field (as the chat page reads it): the
    newest one sent, unless a later message removed it."""
    for message in reversed([m for m in chat.messages() if not m["deleted"]]):
        markup = message["markup"] if isinstance(message["markup"], dict) else {}
        if markup.get("remove_keyboard"):
            return None
        if "keyboard" in markup:
            return markup["keyboard"]
    return None


def message_showing(chat: Chat, payload: str) -> dict[str, Any]:
    for message in reversed(chat.messages()):
        if payload in str(message["markup"]):
            return message
    raise AssertionError(f"no message shows {payload!r}")


def buttons_taken_off(chat: Chat, message_id: str, timeout_s: float = 30) -> bool:
    """Whether the message's buttons are edited away within `timeout_s`: the edit follows the turn's answer,
    and the journey's own notice may come before it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        (message,) = [m for m in chat.messages() if m["id"] == message_id]
        if message["markup"] is None:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
def test_confirm_pressed_again_after_the_transfer_moves_nothing(cloud: LocalCloud, channel: str) -> None:
    chat, account = funded_customer(cloud, channel)
    if channel == "telegram":
        assert reply_keyboard_in_force(chat) is None, "the share-phone keyboard outlived the phone step"
    ask_to_send(chat, RECIPIENT_PAN, "20")
    confirm = chat.button("Подтвердить")
    confirmation = message_showing(chat, confirm)
    chat.press("Подтвердить")
    chat.wait_for("Перевод выполнен")
    assert [e["status"] for e in transfer_executions(cloud, chat)] == ["SUCCEEDED"]
    if channel == "telegram":
        assert buttons_taken_off(chat, confirmation["id"]), "the confirmation kept its buttons"

    mark = chat.mark()
    # On Telegram the button is gone from the chat: only a press already on its way can still come.
    pressed = chat._send("button", payload=confirm, force=channel == "telegram")
    since = chat.barrier(mark)

    assert pressed["status"] == 200
    assert since.texts and STEP_FINISHED in since.texts[0]
    assert since.session_saves == 1  # the press took its turn, and that turn started nothing
    assert [e["status"] for e in transfer_executions(cloud, chat)] == ["SUCCEEDED"]
    assert balance(cloud, account) == FUNDS - 2_100
    assert operations(cloud, account).count("debit") == 1
