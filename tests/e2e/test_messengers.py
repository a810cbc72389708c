"""The four messengers, each through its own signed webhook, the queue, the conversation and the
MessageAPI back to the (fake) platform: what a customer does, and what a retrying or forging
platform does."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from messenger_bank.conversation.catalogue import text
from tests.e2e.driver import HELP_REPLY, HELP_TEXT, Chat, Person, buttons_in

pytestmark = pytest.mark.e2e

CHANNELS = ["telegram", "viber", "whatsapp", "messenger"]
EVENTS = Path(__file__).resolve().parents[2] / "events"


def new_chat(cloud: LocalCloud, channel: str) -> Chat:
    person = Person()
    user_id = person.phone.lstrip("+") if channel == "whatsapp" else f"88{person.number:06d}"
    return Chat(cloud, channel, user_id, phone=person.phone)


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_signed_text_gets_a_reply_in_the_same_messenger(cloud: LocalCloud, channel: str) -> None:
    chat = new_chat(cloud, channel)

    replies = chat.say("привет", replies=2)

    assert "банк" in replies[0]["text"].lower()
    assert any(label for label, _ in buttons_in(replies[-1]["markup"]))


def test_a_viber_user_who_opens_the_chat_is_welcomed_and_can_start_at_once(cloud: LocalCloud) -> None:
    chat = new_chat(cloud, "viber")
    mark = chat.mark()

    (welcome,) = chat.start()  # not subscribed yet: only the webhook's answer can reach them
    chat.press("Получить карту", replies=1)
    since = chat.barrier(mark)

    assert "банк" in str(welcome["text"]).lower()
    assert [label for label, _ in buttons_in(welcome["markup"])] == ["💳 Получить карту", "🏠 Меню"]
    # Greeted once (by the webhook's answer), then asked for the language; nothing else, in this order.
    assert since.replies[0] == welcome and len(since.replies) == 2, since.texts
    assert "язык" in since.texts[1].lower() or "мова" in since.texts[1].lower()


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_button_press_is_handled_as_that_button(cloud: LocalCloud, channel: str) -> None:
    chat = new_chat(cloud, channel)
    chat.say("привет", replies=2)

    replies = chat.press("Помощь")

    assert "Я умею" in replies[-1]["text"] or "могу" in replies[-1]["text"]


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_voice_message_mid_step_gets_the_answer_and_the_same_question_again(cloud: LocalCloud, channel: str) -> None:
    chat = new_chat(cloud, channel)
    chat.say("привет", replies=2)
    asked = chat.press("карту")  # the onboarding's first question: the language
    mark = chat.mark()

    # A voice message as each messenger posts it (on Viber, which has none for bots, a recording as a file)
    sent = chat._send("voice")
    since = chat.barrier(mark)

    assert sent["status"] == 200
    assert since.texts[0] == text("common.media", "ru")
    assert since.texts[1:] == [str(m.get("text") or "") for m in asked]
    labels = [label for m in since.replies[1:] for label, _ in buttons_in(m["markup"])]
    assert labels == [label for m in asked for label, _ in buttons_in(m["markup"])] and labels
    assert since.session_saves == 1
    # Still at that step: its answer is taken
    assert any("Согласен" in label for m in chat.press("Русский") for label, _ in buttons_in(m["markup"]))


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_same_update_posted_three_times_gets_one_reply(cloud: LocalCloud, channel: str) -> None:
    chat = new_chat(cloud, channel)
    mark = chat.mark()

    answer = cloud.platforms.send(channel, chat.user, "text", text=HELP_TEXT, repeat=3)
    since = chat.barrier(mark)

    assert answer["statuses"] == [200, 200, 200]
    assert since.texts == [HELP_REPLY]
    assert since.session_saves == 1


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_bad_signature_is_refused_and_nothing_is_answered(cloud: LocalCloud, channel: str) -> None:
    chat = new_chat(cloud, channel)
    header = {
        "telegram": "X-Telegram-Bot-Api-Secret-Token",
        "viber": "X-Viber-Content-Signature",
        "whatsapp": "X-Hub-Signature-256",
        "messenger": "X-Hub-Signature-256",
    }[channel]
    assert cloud.api is not None
    mark = chat.mark()

    response = httpx.post(
        f"{cloud.api.base_url}/webhooks/{channel}",
        content=chat.unsent_update(HELP_TEXT),  # a new update of this person: let in, it would be answered
        headers={"content-type": "application/json", header: "sha256=" + "0" * 64},
    )
    since = chat.barrier(mark)

    assert response.status_code in (401, 403)
    assert since.replies == [] and since.session_saves == 0


@pytest.mark.parametrize("channel", ["viber", "whatsapp", "messenger"])
def test_a_delivery_receipt_is_acknowledged_and_not_answered(cloud: LocalCloud, channel: str) -> None:
    chat = new_chat(cloud, channel)
    chat.say("привет", replies=2)
    mark = chat.mark()

    answer = cloud.platforms.send(channel, chat.user, "receipt")
    since = chat.barrier(mark)

    assert answer["status"] == 200
    assert since.replies == [] and since.session_saves == 0


def test_an_edited_telegram_message_is_acknowledged_and_not_answered(cloud: LocalCloud) -> None:
    # Telegram sends bots no receipts; an edit is its update that is acknowledged and ignored.
    chat = new_chat(cloud, "telegram")
    assert cloud.api is not None
    # Telegram's own example of an edit (events/telegram/edited.json), made this person's, with a new update id.
    example = (EVENTS / "telegram" / "edited.json").read_text()
    edited = json.loads(example.replace("999999999", chat.chat_id))
    edited["update_id"] = 600_000_000 + int(chat.chat_id) % 100_000_000
    mark = chat.mark()

    response = httpx.post(
        f"{cloud.api.base_url}/webhooks/telegram",
        json=edited,
        headers={"X-Telegram-Bot-Api-Secret-Token": cloud.config.secrets["TELEGRAM_SECRET_TOKEN"]},
    )
    since = chat.barrier(mark)

    assert response.status_code == 200
    assert since.replies == [] and since.session_saves == 0


@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
def test_meta_webhook_verification_echoes_the_challenge_only_for_the_right_token(
    cloud: LocalCloud, channel: str
) -> None:
    assert cloud.api is not None
    url = f"{cloud.api.base_url}/webhooks/{channel}"
    right = cloud.config.secrets["META_VERIFY_TOKEN"]

    good = httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": right, "hub.challenge": "1158201444"})
    bad = httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})

    assert (good.status_code, good.text) == (200, "1158201444")
    assert bad.status_code == 403
