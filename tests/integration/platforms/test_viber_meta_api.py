"""The fake Viber, WhatsApp Cloud API and Messenger Send API answer as the real ones, errors included."""

from __future__ import annotations

import httpx

from local.platforms import PlatformsServer
from tests.integration.platforms.conftest import ALICE, SECRETS

VIBER_HEADERS = {"X-Viber-Auth-Token": SECRETS.viber_auth_token}
WA = f"/v23.0/{SECRETS.whatsapp_phone_number_id}/messages"
WA_AUTH = {"Authorization": f"Bearer {SECRETS.whatsapp_access_token}"}
FB = "/v23.0/me/messages"


def _subscribe_viber_user(platforms: PlatformsServer) -> str:
    sent = platforms.send("viber", ALICE, "text", text="hi")
    return str(sent["chat_id"])


def test_viber_send_message(client: httpx.Client, platforms: PlatformsServer) -> None:
    receiver = _subscribe_viber_user(platforms)
    body = {
        "receiver": receiver,
        "type": "text",
        "text": "Welcome",
        "sender": {"name": "Messenger Bank"},
        "tracking_data": "flow:menu",
        "keyboard": {
            "Type": "keyboard",
            "Buttons": [{"Columns": 3, "ActionType": "reply", "ActionBody": "card", "Text": "Get a card"}],
        },
    }
    ok = client.post("/pa/send_message", json=body, headers=VIBER_HEADERS).json()
    assert ok["status"] == 0
    assert ok["status_message"] == "ok"
    assert isinstance(ok["message_token"], int)
    assert ok["message_token"] > 2**53
    recorded = platforms.recorded("viber", receiver)
    assert recorded[-1]["method"] == "send_message"
    assert recorded[-1]["message_id"] == ok["message_token"]

    wrong = client.post("/pa/send_message", json=body, headers={"X-Viber-Auth-Token": "nope"})
    assert wrong.status_code == 200
    assert wrong.json() == {"status": 2, "status_message": "invalidAuthToken"}
    unknown = client.post("/pa/send_message", json={**body, "receiver": "stranger="}, headers=VIBER_HEADERS)
    assert unknown.json() == {"status": 6, "status_message": "receiverNotSubscribed"}
    long_name = client.post("/pa/send_message", json={**body, "sender": {"name": "x" * 29}}, headers=VIBER_HEADERS)
    assert long_name.json()["status"] == 3
    bad_columns = {**body, "keyboard": {"Type": "keyboard", "Buttons": [{"Columns": 7, "ActionBody": "x"}]}}
    assert client.post("/pa/send_message", json=bad_columns, headers=VIBER_HEADERS).json()["status"] == 3
    info = client.post("/pa/get_account_info", json={}, headers=VIBER_HEADERS).json()
    assert info["status"] == 0
    assert info["name"] == "Messenger Bank"


def test_viber_set_webhook_posts_a_signed_webhook_event(client: httpx.Client, receiver: object) -> None:
    from tests.integration.platforms.conftest import Receiver
    from tests.integration.platforms.test_webhooks import viber_signature

    assert isinstance(receiver, Receiver)
    url = f"{receiver.url}/hooks/viber"
    result = client.post("/pa/set_webhook", json={"url": url}, headers=VIBER_HEADERS).json()
    assert result["status"] == 0
    arrival = receiver.posts("/hooks/viber")[0]
    assert b'"event":"webhook"' in arrival.raw
    assert arrival.headers["X-Viber-Content-Signature"] == viber_signature(arrival.raw)
    receiver.responses["/hooks/broken"] = (500, "{}")
    failed = client.post("/pa/set_webhook", json={"url": f"{receiver.url}/hooks/broken"}, headers=VIBER_HEADERS)
    assert failed.json()["status"] == 1


def test_whatsapp_messages(client: httpx.Client, platforms: PlatformsServer) -> None:
    text = {"messaging_product": "whatsapp", "to": "4915112345601", "type": "text", "text": {"body": "Hello"}}
    ok = client.post(WA, json=text, headers=WA_AUTH)
    assert ok.status_code == 200
    body = ok.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "4915112345601", "wa_id": "4915112345601"}]
    assert body["messages"][0]["id"].startswith("wamid.")
    recorded = platforms.recorded("whatsapp", "4915112345601")
    assert recorded[0]["message_id"] == body["messages"][0]["id"]

    bad = client.post(WA, json=text, headers={"Authorization": "Bearer wrong"})
    assert bad.status_code == 401
    error = bad.json()["error"]
    assert error["code"] == 190
    assert error["type"] == "OAuthException"
    assert {"message", "error_subcode", "fbtrace_id"} <= set(error)

    buttons = [{"type": "reply", "reply": {"id": f"b{i}", "title": f"Option {i}"}} for i in range(4)]
    four = {
        **text,
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": "Pick"}, "action": {"buttons": buttons}},
    }
    too_many = client.post(WA, json=four, headers=WA_AUTH)
    assert too_many.status_code == 400
    assert too_many.json()["error"]["code"] == 100
    long_title = [{"type": "reply", "reply": {"id": "a", "title": "t" * 21}}]
    four["interactive"]["action"] = {"buttons": long_title}  # type: ignore[index]
    assert client.post(WA, json=four, headers=WA_AUTH).json()["error"]["code"] == 100

    receipt = {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.ABC",
        "typing_indicator": {"type": "text"},
    }
    assert client.post(WA, json=receipt, headers=WA_AUTH).json() == {"success": True}


def test_whatsapp_list_and_faults(client: httpx.Client, platforms: PlatformsServer) -> None:
    rows = [{"id": f"r{i}", "title": f"Row {i}"} for i in range(11)]
    listing = {
        "messaging_product": "whatsapp",
        "to": "111",
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Choose"},
            "action": {"button": "Menu", "sections": [{"rows": rows}]},
        },
    }
    assert client.post(WA, json=listing, headers=WA_AUTH).json()["error"]["code"] == 100
    listing["interactive"]["action"]["sections"][0]["rows"] = rows[:10]  # type: ignore[index]
    assert client.post(WA, json=listing, headers=WA_AUTH).status_code == 200
    client.post("/_faults", json={"channel": "whatsapp", "rate_limit": 1})
    limited = client.post(WA, json=listing, headers=WA_AUTH)
    assert limited.json()["error"]["code"] == 130429
    assert client.post(WA, json=listing, headers=WA_AUTH).status_code == 200


def test_messenger_send_api(client: httpx.Client, platforms: PlatformsServer) -> None:
    platforms.send("messenger", ALICE, "text", text="hi")  # she wrote: the 24 h window is open
    message = {
        "recipient": {"id": "7000000000001001"},
        "messaging_type": "RESPONSE",
        "message": {
            "text": "Hi",
            "quick_replies": [
                {"content_type": "text", "title": "Card", "payload": "card"},
                {"content_type": "user_phone_number"},
            ],
        },
    }
    ok = client.post(FB, params={"access_token": SECRETS.messenger_page_access_token}, json=message)
    assert ok.status_code == 200
    assert ok.json()["recipient_id"] == "7000000000001001"
    assert ok.json()["message_id"].startswith("m_")
    bearer = client.post(FB, headers={"Authorization": f"Bearer {SECRETS.messenger_page_access_token}"}, json=message)
    assert bearer.status_code == 200
    typing = {"recipient": {"id": "7000000000001001"}, "sender_action": "typing_on"}
    action = client.post(FB, params={"access_token": SECRETS.messenger_page_access_token}, json=typing)
    assert action.json() == {"recipient_id": "7000000000001001"}
    wrong = client.post(FB, params={"access_token": "wrong"}, json=message)
    assert wrong.json()["error"]["code"] == 190
    too_long = {**message, "message": {"text": "x" * 2001}}
    assert (
        client.post(FB, params={"access_token": SECRETS.messenger_page_access_token}, json=too_long).json()["error"][
            "code"
        ]
        == 100
    )
    template = {
        **message,
        "message": {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": "Pick",
                    "buttons": [{"type": "postback", "title": f"B{i}", "payload": str(i)} for i in range(4)],
                },
            }
        },
    }
    assert (
        client.post(FB, params={"access_token": SECRETS.messenger_page_access_token}, json=template).json()["error"][
            "code"
        ]
        == 100
    )
    assert [r["method"] for r in platforms.recorded("messenger")] == ["me/messages"] * 3
