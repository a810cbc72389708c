"""The fakes refuse as the real platforms do after a send is under way: Viber at its cap of 100 messages to
one user within an hour without a reply, WhatsApp with a signed `failed` status webhook (131047) for a
free-form message it accepted after the 24 h window."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from local.platforms import PlatformsServer
from tests.integration.platforms.conftest import ALICE, SECRETS, Receiver
from tests.integration.platforms.test_webhooks import meta_signature

VIBER_HEADERS = {"X-Viber-Auth-Token": SECRETS.viber_auth_token}
WA = f"/v23.0/{SECRETS.whatsapp_phone_number_id}/messages"
WA_AUTH = {"Authorization": f"Bearer {SECRETS.whatsapp_access_token}"}
# Viber's documented answer at its cap (creators.viber.com/docs/bots-api, Send a Message).
CAP_ANSWER = {"status": 12, "status_message": "Too many requests"}


def _viber_user(platforms: PlatformsServer) -> str:
    return str(platforms.send("viber", ALICE, "text", text="hi")["chat_id"])


def _send_viber(client: httpx.Client, receiver: str) -> dict[str, object]:
    body = {"receiver": receiver, "type": "text", "text": "Money in", "sender": {"name": "Messenger Bank"}}
    answer: dict[str, object] = client.post("/pa/send_message", json=body, headers=VIBER_HEADERS).json()
    return answer


def test_viber_takes_the_hundredth_message_without_a_reply(client: httpx.Client, platforms: PlatformsServer) -> None:
    user = _viber_user(platforms)
    platforms.store.spend_viber_cap(user, 99)
    assert _send_viber(client, user)["status"] == 0


def test_viber_refuses_the_hundred_and_first_as_it_documents(client: httpx.Client, platforms: PlatformsServer) -> None:
    user = _viber_user(platforms)
    for _ in range(100):
        assert _send_viber(client, user)["status"] == 0

    refused = _send_viber(client, user)

    assert {key: refused[key] for key in CAP_ANSWER} == CAP_ANSWER
    assert isinstance(refused["message_token"], int) and refused["chat_hostname"]
    assert len([m for m in platforms.store.conversation("viber", user) if m.sender == "bot"]) == 100


def test_the_users_message_starts_vibers_count_again(client: httpx.Client, platforms: PlatformsServer) -> None:
    user = _viber_user(platforms)
    platforms.store.spend_viber_cap(user)
    platforms.send("viber", ALICE, "text", text="still here")
    assert _send_viber(client, user)["status"] == 0


def test_the_cap_is_one_users(client: httpx.Client, platforms: PlatformsServer) -> None:
    user = _viber_user(platforms)
    other = str(platforms.send("viber", {**ALICE, "id": "1002"}, "text", text="hi")["chat_id"])
    platforms.store.spend_viber_cap(user)
    assert _send_viber(client, other)["status"] == 0


def test_the_faults_hook_spends_a_users_cap(client: httpx.Client, platforms: PlatformsServer) -> None:
    user = _viber_user(platforms)
    assert client.post("/_faults", json={"channel": "viber", "chat_id": user, "cap": "spent"}).status_code == 200
    assert _send_viber(client, user)["status"] == 12


def test_the_faults_hook_needs_the_user(client: httpx.Client) -> None:
    assert client.post("/_faults", json={"channel": "viber", "cap": "spent"}).status_code == 422


def _failed_statuses(receiver: Receiver, recipient: str) -> list[tuple[dict[str, Any], dict[str, str], bytes]]:
    """The status webhooks that arrived, once one for `recipient` has (a barrier: up to 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        arrivals = [a for a in receiver.posts("/webhooks/whatsapp") if b'"statuses"' in a.raw]
        found = [(json.loads(a.raw), a.headers, a.raw) for a in arrivals]
        if recipient in {_status(body)["recipient_id"] for body, _, _ in found} or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def _status(body: dict[str, Any]) -> dict[str, Any]:
    status: dict[str, Any] = body["entry"][0]["changes"][0]["value"]["statuses"][0]
    return status


def test_a_free_whatsapp_message_after_the_window_fails_in_a_signed_status_webhook(
    client: httpx.Client, platforms: PlatformsServer, receiver: Receiver
) -> None:
    text = {"messaging_product": "whatsapp", "to": "4915112345601", "type": "text", "text": {"body": "Hello"}}
    wamid = client.post(WA, json=text, headers=WA_AUTH).json()["messages"][0]["id"]

    [(body, headers, raw)] = _failed_statuses(receiver, "4915112345601")

    assert headers["X-Hub-Signature-256"] == meta_signature(raw)
    value = body["entry"][0]["changes"][0]["value"]
    assert value["metadata"]["phone_number_id"] == SECRETS.whatsapp_phone_number_id
    [status] = value["statuses"]
    assert {k: status[k] for k in ("id", "status", "recipient_id")} == {
        "id": wamid,
        "status": "failed",
        "recipient_id": "4915112345601",
    }
    [error] = status["errors"]
    assert (error["code"], error["title"]) == (131047, "Re-engagement message")
    assert "24 hours" in error["error_data"]["details"]
    assert _webhook_answer_noted(platforms, "4915112345601") == 200


def _webhook_answer_noted(platforms: PlatformsServer, recipient: str) -> object:
    """The webhook's answer as the fake noted it: it notes it after the receiver has answered, so the
    receiver's arrival is no barrier for it; waits up to 10 s for the note."""
    deadline = time.monotonic() + 10
    while True:
        [record] = platforms.recorded("whatsapp", recipient)
        if "webhook_status" in record["failed"] or time.monotonic() > deadline:
            return record["failed"].get("webhook_status")
        time.sleep(0.05)


def test_a_free_whatsapp_message_within_the_window_sends_no_status(
    client: httpx.Client, platforms: PlatformsServer, receiver: Receiver
) -> None:
    platforms.send("whatsapp", ALICE, "text", text="hi")  # her window opens
    text = {"messaging_product": "whatsapp", "to": "4915112345601", "type": "text", "text": {"body": "Hello"}}
    client.post(WA, json=text, headers=WA_AUTH)
    client.post(WA, json={**text, "to": "4915112345602"}, headers=WA_AUTH)  # a stranger's closed window: fails

    found = _failed_statuses(receiver, "4915112345602")  # the barrier: the stranger's status came

    assert [_status(body)["recipient_id"] for body, _, _ in found] == ["4915112345602"]
