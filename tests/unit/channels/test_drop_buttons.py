"""Taking the buttons off a bot message whose step is over: Telegram edits its reply markup away; the
others cannot edit, so nothing is asked of them. A courtesy: it never fails the turn."""

from __future__ import annotations

import json

import httpx
import pytest

from messenger_bank.types import CHANNELS, Channel

from .conftest import ADAPTERS, CHATS
from .test_client import api, tg_ok


def test_telegram_takes_the_inline_keyboard_off_with_edit_message_reply_markup() -> None:
    (request,) = ADAPTERS["telegram"].render_drop_buttons(CHATS["telegram"], "4242")
    assert request.path == "/bot{token}/editMessageReplyMarkup"
    assert request.body == {"chat_id": 375000001, "message_id": 4242}  # no reply_markup: none left


def test_telegram_drops_nothing_for_an_id_that_is_not_its_own() -> None:
    assert ADAPTERS["telegram"].render_drop_buttons(CHATS["telegram"], "wamid.X") == []


@pytest.mark.parametrize("channel", [c for c in CHANNELS if c != "telegram"])
def test_platforms_that_cannot_edit_are_asked_nothing(channel: Channel) -> None:
    calls: list[httpx.Request] = []
    client = api(lambda request: calls.append(request) or httpx.Response(500))  # type: ignore[func-returns-value]
    assert client.drop_buttons(CHATS[channel], "1") is False
    assert calls == []


def test_dropped_buttons_are_reported() -> None:
    seen: list[httpx.Request] = []
    client = api(lambda request: seen.append(request) or tg_ok(4242))  # type: ignore[func-returns-value]
    assert client.drop_buttons(CHATS["telegram"], "4242") is True
    assert json.loads(seen[0].content) == {"chat_id": 375000001, "message_id": 4242}


def test_a_message_already_without_buttons_counts_as_dropped() -> None:
    not_modified = httpx.Response(
        400, json={"ok": False, "error_code": 400, "description": "Bad Request: message is not modified"}
    )
    assert api(lambda _: not_modified).drop_buttons(CHATS["telegram"], "4242") is True


def test_a_refusal_is_logged_not_raised() -> None:
    too_old = httpx.Response(
        400, json={"ok": False, "error_code": 400, "description": "Bad Request: message can't be edited"}
    )
    assert api(lambda _: too_old).drop_buttons(CHATS["telegram"], "4242") is False


def test_throttling_that_does_not_end_gives_up_quietly() -> None:
    throttled = httpx.Response(
        429,
        json={"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 3600}},
    )
    assert api(lambda _: throttled).drop_buttons(CHATS["telegram"], "4242") is False
