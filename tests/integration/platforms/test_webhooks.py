"""`_send` builds each platform's own update, signs it as the platform does, and posts it to the webhook.

The signatures are recomputed here independently from the received bytes and the known secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from local.platforms import PlatformsServer, SendError
from tests.integration.platforms.conftest import ALICE, SECRETS, Receiver
from tests.unit.channels.conftest import ADAPTERS

TG = f"/bot{SECRETS.telegram_bot_token}"


def viber_signature(raw: bytes) -> str:
    return hmac.new(SECRETS.viber_auth_token.encode(), raw, hashlib.sha256).hexdigest()


def meta_signature(raw: bytes) -> str:
    return "sha256=" + hmac.new(SECRETS.meta_app_secret.encode(), raw, hashlib.sha256).hexdigest()


def _send(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/_send", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_telegram_text_start_and_contact(client: httpx.Client, receiver: Receiver) -> None:
    result = _send(client, channel="telegram", user=ALICE, kind="text", text="hi")
    assert result["status"] == 200
    arrival = receiver.posts("/webhooks/telegram")[0]
    assert arrival.headers["X-Telegram-Bot-Api-Secret-Token"] == SECRETS.telegram_secret_token
    update = json.loads(arrival.raw)
    assert update == result["body"]
    assert update["message"]["text"] == "hi"
    assert update["message"]["from"]["id"] == 1001
    assert update["message"]["chat"] == {"id": 1001, "first_name": "Alice", "last_name": "Jensen", "type": "private"}

    start = _send(client, channel="telegram", user=ALICE, kind="start", payload="ref-42")["body"]
    assert start["update_id"] > update["update_id"]
    assert start["message"]["text"] == "/start ref-42"
    assert start["message"]["entities"][0]["type"] == "bot_command"
    assert start["message"]["message_id"] == update["message"]["message_id"] + 1
    contact = _send(client, channel="telegram", user=ALICE, kind="contact")["body"]["message"]["contact"]
    assert contact["phone_number"] == "4915112345601"
    assert contact["user_id"] == 1001


def test_telegram_button_press_is_a_callback_query_on_the_bot_message(client: httpx.Client, receiver: Receiver) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Get a card", "callback_data": "card:get"}]]}
    sent = client.post(f"{TG}/sendMessage", json={"chat_id": 1001, "text": "Menu", "reply_markup": keyboard}).json()
    result = _send(client, channel="telegram", user=ALICE, kind="button", payload="card:get")
    query = json.loads(receiver.posts("/webhooks/telegram")[-1].raw)["callback_query"]
    assert query["data"] == "card:get"
    assert query["message"]["message_id"] == sent["result"]["message_id"]
    assert query["message"]["reply_markup"] == keyboard
    assert query["from"]["id"] == 1001
    assert result["status"] == 200
    answered = client.post(f"{TG}/answerCallbackQuery", json={"callback_query_id": query["id"], "text": "OK"})
    assert answered.json() == {"ok": True, "result": True}
    missing = client.post("/_send", json={"channel": "telegram", "user": ALICE, "kind": "button", "payload": "nope"})
    assert missing.status_code == 422


def test_telegram_secret_from_set_webhook_and_answer_with_method(client: httpx.Client, receiver: Receiver) -> None:
    client.post(f"{TG}/setWebhook", json={"url": f"{receiver.url}/tg-hook", "secret_token": "from_setWebhook"})
    receiver.responses["/tg-hook"] = (200, json.dumps({"method": "sendMessage", "chat_id": 1001, "text": "pong"}))
    _send(client, channel="telegram", user=ALICE, text="ping")
    arrival = receiver.posts("/tg-hook")[0]
    assert arrival.headers["X-Telegram-Bot-Api-Secret-Token"] == "from_setWebhook"
    conversation = client.get("/_conversation", params={"channel": "telegram", "chat_id": "1001"}).json()
    assert [(m["from"], m["text"]) for m in conversation["messages"]] == [("user", "ping"), ("bot", "pong")]


def test_telegram_failed_delivery_shows_in_webhook_info(client: httpx.Client, receiver: Receiver) -> None:
    receiver.responses["/webhooks/telegram"] = (401, "{}")
    result = _send(client, channel="telegram", user=ALICE, text="hi")
    assert result["status"] == 401
    info = client.get(f"{TG}/getWebhookInfo").json()["result"]
    assert "401" in info["last_error_message"]


def test_viber_message_button_and_conversation_started(
    client: httpx.Client, receiver: Receiver, platforms: PlatformsServer
) -> None:
    start = _send(client, channel="viber", user=ALICE, kind="start", payload="ref-7")
    body = start["body"]
    assert body["event"] == "conversation_started"
    assert body["context"] == "ref-7"
    assert body["subscribed"] is False
    text = _send(client, channel="viber", user=ALICE, text="Привет")
    arrival = receiver.posts("/webhooks/viber")[-1]
    assert arrival.headers["X-Viber-Content-Signature"] == viber_signature(arrival.raw)
    assert "Привет".encode() in arrival.raw  # UTF-8, not escaped
    message = json.loads(arrival.raw)
    assert message["event"] == "message"
    assert message["message"] == {"type": "text", "text": "Привет"}
    assert isinstance(message["message_token"], int)
    assert message["message_token"] > 2**53
    assert message["sender"]["id"] == text["chat_id"]

    keyboard = {
        "Type": "keyboard",
        "Buttons": [
            {"Columns": 3, "ActionType": "reply", "ActionBody": "card:get", "Text": "Get a card"},
            {"Columns": 3, "ActionType": "share-phone", "ActionBody": "phone", "Text": "Share phone"},
        ],
    }
    client.post(
        "/pa/send_message",
        headers={"X-Viber-Auth-Token": SECRETS.viber_auth_token},
        json={
            "receiver": text["chat_id"],
            "type": "text",
            "text": "Menu",
            "sender": {"name": "Bank"},
            "tracking_data": "menu-1",
            "keyboard": keyboard,
        },
    )
    pressed = _send(client, channel="viber", user=ALICE, kind="button", payload="card:get")["body"]
    assert pressed["message"] == {"type": "text", "text": "card:get", "tracking_data": "menu-1"}
    phone = _send(client, channel="viber", user=ALICE, kind="button", payload="phone")["body"]
    assert phone["message"]["type"] == "contact"
    assert phone["message"]["contact"]["phone_number"] == "4915112345601"


def test_viber_welcome_message_in_the_response_body(client: httpx.Client, receiver: Receiver) -> None:
    receiver.responses["/webhooks/viber"] = (
        200,
        json.dumps({"sender": {"name": "Bank"}, "type": "text", "text": "Welcome!"}),
    )
    result = _send(client, channel="viber", user=ALICE, kind="start")
    conversation = client.get("/_conversation", params={"channel": "viber", "chat_id": result["chat_id"]}).json()
    assert [m["text"] for m in conversation["messages"] if m["from"] == "bot"] == ["Welcome!"]


def test_whatsapp_text_and_buttons(client: httpx.Client, receiver: Receiver) -> None:
    result = _send(client, channel="whatsapp", user={**ALICE, "name": "Zoë Ünal"}, text="Grüße / hi")
    arrival = receiver.posts("/webhooks/whatsapp")[0]
    assert arrival.headers["X-Hub-Signature-256"] == meta_signature(arrival.raw)
    assert b"\\u00fc" in arrival.raw  # Meta escapes non-ASCII ...
    assert b"\\/" in arrival.raw  # ... and slashes
    body = json.loads(arrival.raw)
    assert body["object"] == "whatsapp_business_account"
    value = body["entry"][0]["changes"][0]["value"]
    assert value["metadata"]["phone_number_id"] == SECRETS.whatsapp_phone_number_id
    assert value["contacts"] == [{"profile": {"name": "Zoë Ünal"}, "wa_id": "4915112345601"}]
    assert value["messages"][0]["text"] == {"body": "Grüße / hi"}
    assert value["messages"][0]["id"].startswith("wamid.")
    assert result["chat_id"] == "4915112345601"

    auth = {"Authorization": f"Bearer {SECRETS.whatsapp_access_token}"}
    interactive = {
        "type": "button",
        "body": {"text": "Pick"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "card:get", "title": "Get a card"}}]},
    }
    sent = client.post(
        f"/v23.0/{SECRETS.whatsapp_phone_number_id}/messages",
        headers=auth,
        json={
            "messaging_product": "whatsapp",
            "to": "4915112345601",
            "type": "interactive",
            "interactive": interactive,
        },
    ).json()
    pressed = _send(client, channel="whatsapp", user=ALICE, kind="button", payload="card:get")["body"]
    message = pressed["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["type"] == "interactive"
    assert message["interactive"] == {"type": "button_reply", "button_reply": {"id": "card:get", "title": "Get a card"}}
    assert message["context"]["id"] == sent["messages"][0]["id"]

    listing = {
        "type": "list",
        "body": {"text": "Choose"},
        "action": {
            "button": "Accounts",
            "sections": [{"title": "Yours", "rows": [{"id": "acc:1", "title": "Main", "description": "EUR"}]}],
        },
    }
    client.post(
        f"/v23.0/{SECRETS.whatsapp_phone_number_id}/messages",
        headers=auth,
        json={"messaging_product": "whatsapp", "to": "4915112345601", "type": "interactive", "interactive": listing},
    )
    row = _send(client, channel="whatsapp", user=ALICE, kind="button", payload="acc:1")["body"]
    reply = row["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"]
    assert reply == {"type": "list_reply", "list_reply": {"id": "acc:1", "title": "Main", "description": "EUR"}}

    receipt = _send(client, channel="whatsapp", user=ALICE, kind="receipt", payload="read")["body"]
    status = receipt["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert status["status"] == "read"


def test_messenger_text_postback_quick_reply_and_phone(client: httpx.Client, receiver: Receiver) -> None:
    result = _send(client, channel="messenger", user=ALICE, text="hello")
    arrival = receiver.posts("/webhooks/messenger")[0]
    assert arrival.headers["X-Hub-Signature-256"] == meta_signature(arrival.raw)
    body = json.loads(arrival.raw)
    assert body["object"] == "page"
    event = body["entry"][0]["messaging"][0]
    assert event["sender"]["id"] == result["chat_id"]
    assert event["message"]["text"] == "hello"
    assert event["message"]["mid"].startswith("m_")

    token = {"access_token": SECRETS.messenger_page_access_token}
    template = {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "button",
                "text": "Pick",
                "buttons": [{"type": "postback", "title": "Get a card", "payload": "card:get"}],
            },
        }
    }
    client.post(
        "/v23.0/me/messages",
        params=token,
        json={"recipient": {"id": result["chat_id"]}, "messaging_type": "RESPONSE", "message": template},
    )
    postback = _send(client, channel="messenger", user=ALICE, kind="button", payload="card:get")["body"]
    assert postback["entry"][0]["messaging"][0]["postback"]["payload"] == "card:get"
    assert postback["entry"][0]["messaging"][0]["postback"]["title"] == "Get a card"

    quick = {
        "text": "Phone?",
        "quick_replies": [
            {"content_type": "user_phone_number"},
            {"content_type": "text", "title": "Later", "payload": "later"},
        ],
    }
    client.post(
        "/v23.0/me/messages",
        params=token,
        json={"recipient": {"id": result["chat_id"]}, "messaging_type": "RESPONSE", "message": quick},
    )
    later = _send(client, channel="messenger", user=ALICE, kind="button", payload="later")["body"]
    assert later["entry"][0]["messaging"][0]["message"]["quick_reply"] == {"payload": "later"}
    phone = _send(client, channel="messenger", user=ALICE, kind="contact")["body"]
    assert phone["entry"][0]["messaging"][0]["message"]["quick_reply"] == {"payload": "+4915112345601"}
    start = _send(client, channel="messenger", user=ALICE, kind="start", referral="promo")["body"]
    postback = start["entry"][0]["messaging"][0]["postback"]
    assert postback["payload"] == "GET_STARTED"
    assert postback["referral"] == {"ref": "promo", "source": "SHORTLINK", "type": "OPEN_THREAD"}


@pytest.mark.parametrize("channel", ["telegram", "viber", "whatsapp", "messenger"])
def test_repeat_posts_the_same_bytes(client: httpx.Client, receiver: Receiver, channel: str) -> None:
    result = _send(client, channel=channel, user=ALICE, text="once", repeat=3)
    assert result["statuses"] == [200, 200, 200]
    arrivals = receiver.posts(f"/webhooks/{channel}")
    assert len(arrivals) == 3
    assert arrivals[0].raw == arrivals[1].raw == arrivals[2].raw
    assert len({json.dumps(a.headers.get("X-Hub-Signature-256")) for a in arrivals}) == 1


def test_send_from_python_and_webhook_override(platforms: PlatformsServer, receiver: Receiver) -> None:
    httpx.post(f"{platforms.base_url}/_webhooks", json={"channel": "whatsapp", "url": f"{receiver.url}/wa2"})
    result = platforms.send("whatsapp", ALICE, "picture", caption="my ID")
    arrival = receiver.posts("/wa2")[0]
    assert arrival.headers["X-Hub-Signature-256"] == meta_signature(arrival.raw)
    image = result["body"]["entry"][0]["changes"][0]["value"]["messages"][0]["image"]
    media = httpx.get(
        f"{platforms.base_url}/v23.0/{image['id']}",
        headers={"Authorization": f"Bearer {SECRETS.whatsapp_access_token}"},
    ).json()
    download = httpx.get(media["url"], headers={"Authorization": f"Bearer {SECRETS.whatsapp_access_token}"})
    assert hashlib.sha256(download.content).hexdigest() == image["sha256"] == media["sha256"]
    with pytest.raises(SendError):
        platforms.send("viber", ALICE, "button", payload="nothing-shows-this")


# What each platform makes of a user's media (Viber has no voice type for bots: a recording is a file;
# Messenger marks no voice clip apart from other audio).
MEDIA_READ_AS = {
    "telegram": {"voice": "voice", "audio": "audio", "video": "video", "sticker": "sticker", "document": "document"},
    "viber": {"voice": "audio", "audio": "audio", "video": "video", "sticker": "sticker", "document": "document"},
    "whatsapp": {"voice": "voice", "audio": "audio", "video": "video", "sticker": "sticker", "document": "document"},
    "messenger": {"voice": "audio", "audio": "audio", "video": "video", "sticker": "sticker", "document": "document"},
}


@pytest.mark.parametrize("channel", sorted(MEDIA_READ_AS))
@pytest.mark.parametrize("kind", ["voice", "audio", "video", "sticker", "document"])
def test_media_is_posted_as_the_platform_posts_it_and_read_by_the_banks_adapter(
    client: httpx.Client, receiver: Receiver, channel: str, kind: str
) -> None:
    result = _send(client, channel=channel, user=ALICE, kind=kind)
    arrival = receiver.posts(f"/webhooks/{channel}")[-1]
    assert arrival.raw == result["raw"].encode() and result["status"] == 200
    # The bank's own adapter, an independent reader of the platform's documented shape, reads what was sent.
    (event,) = ADAPTERS[channel].parse(arrival.raw)
    assert (event.kind, event.media) == ("media", MEDIA_READ_AS[channel][kind])
    shown = client.get("/_conversation", params={"channel": channel, "chat_id": result["chat_id"]}).json()
    assert shown["messages"][-1]["kind"] == kind
    assert client.get(shown["messages"][-1]["media"]["url"]).status_code == 200


def test_media_bodies_carry_each_platforms_own_fields(client: httpx.Client) -> None:
    voice = _send(client, channel="telegram", user=ALICE, kind="voice")["body"]["message"]["voice"]
    assert set(voice) == {"file_id", "file_unique_id", "duration", "mime_type", "file_size"}
    wa = _send(client, channel="whatsapp", user=ALICE, kind="voice")["body"]["entry"][0]["changes"][0]["value"]
    assert wa["messages"][0]["type"] == "audio" and wa["messages"][0]["audio"]["voice"] is True
    fb = _send(client, channel="messenger", user=ALICE, kind="sticker")["body"]["entry"][0]["messaging"][0]
    (attachment,) = fb["message"]["attachments"]
    assert attachment["type"] == "image" and attachment["payload"]["sticker_id"] == 369239263222822
    viber = _send(client, channel="viber", user=ALICE, kind="sticker")["body"]["message"]
    assert viber == {"type": "sticker", "sticker_id": 46105}


def test_meta_verification_handshake(client: httpx.Client, receiver: Receiver) -> None:
    verified = client.post("/_verify", json={"channel": "whatsapp"}).json()
    assert verified["verified"] is True
    arrival = receiver.arrivals[-1]
    assert arrival.method == "GET"
    assert arrival.query["hub.mode"] == "subscribe"
    assert client.post("/_verify", json={"channel": "messenger", "verify_token": "bad"}).json()["verified"] is False


def test_chat_page_is_served(client: httpx.Client) -> None:
    page = client.get("/chat")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    for asset in ("chat.js", "chat.css", "bank.svg"):
        assert client.get(f"/chat/static/{asset}").status_code == 200
    assert "https://" not in page.text  # nothing from a CDN


@pytest.mark.parametrize("channel", ["telegram", "viber", "whatsapp", "messenger"])
def test_an_update_the_webhook_failed_is_delivered_again_and_one_it_refused_is_not(
    client: httpx.Client, receiver: Receiver, channel: str
) -> None:
    """As every platform retries an update its webhook did not take (a 5xx, no answer): twice more here."""
    receiver.responses[f"/webhooks/{channel}"] = (500, '{"message": "Internal Server Error"}')
    failed = _send(client, channel=channel, user=ALICE, text="again")
    arrivals = receiver.posts(f"/webhooks/{channel}")
    assert failed["statuses"] == [500, 500, 500] and failed["status"] == 500
    assert len(arrivals) == 3 and arrivals[0].raw == arrivals[1].raw == arrivals[2].raw

    receiver.responses[f"/webhooks/{channel}"] = (403, '{"message": "Forbidden"}')
    refused = _send(client, channel=channel, user=ALICE, text="no")
    assert refused["statuses"] == [403]
    assert len(receiver.posts(f"/webhooks/{channel}")) == 4
