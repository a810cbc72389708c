"""The fake Telegram Bot API answers as the real one: results, error shapes, recording, edits, faults."""

from __future__ import annotations

import json

import httpx

from local.platforms import PlatformsServer
from tests.integration.platforms.conftest import SECRETS

TG = f"/bot{SECRETS.telegram_bot_token}"
KEYBOARD = {"inline_keyboard": [[{"text": "Get a card", "callback_data": "card:get"}]]}


def test_get_me_and_wrong_token(client: httpx.Client) -> None:
    me = client.get(f"{TG}/getMe").json()
    assert me["ok"] is True
    assert me["result"]["id"] == 123456
    assert me["result"]["is_bot"] is True
    wrong = client.post("/bot123456:nope/getMe")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    unknown = client.post(f"{TG}/noSuchMethod")
    assert unknown.status_code == 404
    assert unknown.json()["description"] == "Not Found"


def test_send_message_json_and_form_with_increasing_ids(client: httpx.Client, platforms: PlatformsServer) -> None:
    first = client.post(f"{TG}/sendMessage", json={"chat_id": 42, "text": "Hello", "reply_markup": KEYBOARD})
    assert first.status_code == 200
    result = first.json()["result"]
    assert result["chat"]["id"] == 42
    assert result["chat"]["type"] == "private"
    assert result["text"] == "Hello"
    assert result["reply_markup"] == KEYBOARD
    assert isinstance(result["date"], int)
    form = client.post(
        f"{TG}/sendMessage", data={"chat_id": "42", "text": "Second", "reply_markup": json.dumps(KEYBOARD)}
    )
    second = form.json()["result"]
    assert second["message_id"] == result["message_id"] + 1
    other_chat = client.post(f"{TG}/sendMessage", json={"chat_id": 43, "text": "Other"}).json()["result"]
    assert other_chat["message_id"] == 1
    recorded = platforms.recorded("telegram", chat_id=42)
    assert [r["method"] for r in recorded] == ["sendMessage", "sendMessage"]
    assert recorded[0]["body"]["reply_markup"] == KEYBOARD
    assert recorded[1]["body"]["reply_markup"] == KEYBOARD  # form field parsed
    assert recorded[0]["message_id"] == result["message_id"]
    over_http = client.get("/_recorded", params={"channel": "telegram", "chat_id": "43"}).json()
    assert [r["body"]["text"] for r in over_http] == ["Other"]


def test_send_message_errors(client: httpx.Client, platforms: PlatformsServer) -> None:
    def err(body: dict[str, object]) -> tuple[int, dict[str, object]]:
        response = client.post(f"{TG}/sendMessage", json=body)
        return response.status_code, response.json()

    status, body = err({"chat_id": 1, "text": "x" * 4097})
    assert status == 400
    assert body == {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
    assert err({"chat_id": 1, "text": ""})[1]["description"] == "Bad Request: message text is empty"
    assert err({"text": "hi"})[1]["description"] == "Bad Request: chat_id is empty"
    long_data = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 65}]]}
    assert err({"chat_id": 1, "text": "hi", "reply_markup": long_data}) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: BUTTON_DATA_INVALID"},
    )
    status, body = err({"chat_id": 1, "text": "<b>unclosed", "parse_mode": "HTML"})
    assert status == 400
    assert str(body["description"]).startswith("Bad Request: can't parse entities")
    status, body = err({"chat_id": 1, "text": "1.5 EUR", "parse_mode": "MarkdownV2"})
    assert status == 400
    assert "reserved" in str(body["description"])
    assert platforms.recorded("telegram") == []  # nothing refused is recorded
    assert client.post(f"{TG}/sendMessage", json={"chat_id": 1, "text": "x" * 4096}).status_code == 200


def test_edit_delete_and_conversation(client: httpx.Client, platforms: PlatformsServer) -> None:
    sent = client.post(f"{TG}/sendMessage", json={"chat_id": 7, "text": "Pick", "reply_markup": KEYBOARD}).json()
    mid = sent["result"]["message_id"]
    edit = {"chat_id": 7, "message_id": mid, "text": "Picked", "reply_markup": KEYBOARD}
    edited = client.post(f"{TG}/editMessageText", json=edit)
    assert edited.json()["result"]["text"] == "Picked"
    assert edited.json()["result"]["reply_markup"] == KEYBOARD
    assert "edit_date" in edited.json()["result"]
    same = client.post(f"{TG}/editMessageText", json=edit)
    assert same.status_code == 400
    assert "message is not modified" in same.json()["description"]
    markup = client.post(
        f"{TG}/editMessageReplyMarkup", json={"chat_id": 7, "message_id": mid, "reply_markup": {"inline_keyboard": []}}
    )
    assert markup.status_code == 200
    assert "reply_markup" not in markup.json()["result"]
    assert client.post(f"{TG}/deleteMessage", json={"chat_id": 7, "message_id": mid}).json() == {
        "ok": True,
        "result": True,
    }
    again = client.post(f"{TG}/deleteMessage", json={"chat_id": 7, "message_id": mid})
    assert again.json()["description"] == "Bad Request: message to delete not found"
    missing = client.post(f"{TG}/editMessageText", json={"chat_id": 7, "message_id": 999, "text": "x"})
    assert missing.json()["description"] == "Bad Request: message to edit not found"
    first = platforms.recorded("telegram", 7)[0]
    assert first["deleted"] is True
    assert first["edited"] is True
    assert first["current"]["text"] == "Picked"
    conversation = client.get("/_conversation", params={"channel": "telegram", "chat_id": "7"}).json()
    assert conversation["messages"][0]["deleted"] is True


def test_photo_document_chat_action_and_webhook_methods(client: httpx.Client, platforms: PlatformsServer) -> None:
    photo = client.post(
        f"{TG}/sendPhoto",
        data={"chat_id": "5", "caption": "Your card"},
        files={"photo": ("card.png", b"\x89PNG fake", "image/png")},
    ).json()["result"]
    assert photo["caption"] == "Your card"
    file_id = photo["photo"][-1]["file_id"]
    assert client.get(f"/_files/{file_id}").content == b"\x89PNG fake"
    by_id = client.post(f"{TG}/sendPhoto", json={"chat_id": 5, "photo": file_id}).json()
    assert by_id["ok"] is True
    document = client.post(
        f"{TG}/sendDocument", json={"chat_id": 5, "document": "https://example.org/statement.pdf"}
    ).json()["result"]
    assert document["document"]["file_name"] == "statement.pdf"
    assert client.post(f"{TG}/sendChatAction", json={"chat_id": 5, "action": "typing"}).json()["result"] is True
    assert client.post(f"{TG}/sendChatAction", json={"chat_id": 5, "action": "dancing"}).status_code == 400
    assert client.get("/_conversation", params={"channel": "telegram", "chat_id": "5"}).json()["typing"] is True

    setup = client.post(
        f"{TG}/setWebhook", json={"url": "https://bank.example/webhooks/telegram", "secret_token": "s1"}
    )
    assert setup.json() == {"ok": True, "result": True, "description": "Webhook was set"}
    bad_secret = client.post(f"{TG}/setWebhook", json={"url": "https://x.example/", "secret_token": "bad secret!"})
    assert bad_secret.status_code == 400
    info = client.get(f"{TG}/getWebhookInfo").json()["result"]
    assert info["url"] == "https://bank.example/webhooks/telegram"
    assert info["pending_update_count"] == 0
    assert client.post(f"{TG}/deleteWebhook").json()["description"] == "Webhook was deleted"
    assert client.get(f"{TG}/getWebhookInfo").json()["result"]["url"] == ""
    assert platforms.platforms.webhook("telegram").secret_token == "s1"


def test_answer_callback_query_needs_a_real_query(client: httpx.Client) -> None:
    response = client.post(f"{TG}/answerCallbackQuery", json={"callback_query_id": "123"})
    assert response.status_code == 400
    assert "query ID is invalid" in response.json()["description"]


def test_faults_blocked_and_rate_limited(client: httpx.Client, platforms: PlatformsServer) -> None:
    client.post("/_faults", json={"channel": "telegram", "chat_id": 9, "blocked": True})
    blocked = client.post(f"{TG}/sendMessage", json={"chat_id": 9, "text": "hi"})
    assert blocked.status_code == 403
    assert blocked.json() == {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
    assert client.post(f"{TG}/sendMessage", json={"chat_id": 10, "text": "hi"}).status_code == 200

    state = client.post("/_faults", json={"channel": "telegram", "rate_limit": 2, "retry_after": 3}).json()
    assert state["faults"][0]["remaining"] == 2
    for _ in range(2):
        limited = client.post(f"{TG}/sendMessage", json={"chat_id": 10, "text": "hi"})
        assert limited.status_code == 429
        assert limited.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        }
    assert client.post(f"{TG}/sendMessage", json={"chat_id": 10, "text": "hi"}).status_code == 200
    client.post("/_faults", json={"channel": "telegram", "chat_id": 9, "blocked": False})
    assert client.post(f"{TG}/sendMessage", json={"chat_id": 9, "text": "hi"}).status_code == 200
    assert len(platforms.recorded("telegram")) == 3

    client.post("/_reset")
    assert platforms.recorded("telegram") == []
    fresh = client.post(f"{TG}/sendMessage", json={"chat_id": 10, "text": "hi"}).json()
    assert fresh["result"]["message_id"] == 1
