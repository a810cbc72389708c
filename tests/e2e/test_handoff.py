"""A person when the bot cannot help, on two messengers, through the whole local cloud: the customer asks for a
person in Help, is told they wait for one, and the bot is silent on their next message (which holds a card
number); an operator signed in at the sandbox's Keycloak sees the chat on the operations view's inbox with the
number masked, answers it (the customer reads the answer on their own messenger) and hands it back (the customer
is told); the bot answers again. Refused: a person without the operator role, a client of core banking on the
internal API, and an answer or a take on a chat that is back with the bot."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from messenger_bank.conversation.catalogue import text
from messenger_bank.ids import in_letters
from tests.e2e.driver import Chat
from tests.e2e.test_authz_attacks import token_of
from tests.e2e.test_ops_view import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.e2e.test_sign_in import after

pytestmark = pytest.mark.e2e

WAITING = text("handoff.waiting", "ru")
BACK = text("handoff.back", "ru")
TOPICS = text("help.topics", "ru")
PERSON = text("help.operator", "ru")
CARD = "4111 1111 1111 1111"
MASKED = "411111******1111"


def person_token(cloud: LocalCloud, username: str) -> str:
    """A person's access token (the password grant of the operators' client), as the operations view gets it."""
    assert cloud.sandbox is not None
    password, _roles = cloud.sandbox.config.keycloak_users[username]
    answer = httpx.post(
        f"{cloud.sandbox.urls['keycloak']}/realms/{cloud.sandbox.config.realm}/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "operator-console",
            "client_secret": cloud.sandbox.config.keycloak_clients["operator-console"],
            "username": username,
            "password": password,
            "scope": "openid",
        },
        timeout=20.0,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def ops(cloud: LocalCloud, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> httpx.Response:
    """The operations view's JSON API, as a script calls it (a bearer token: no cookie, no CSRF token)."""
    assert cloud.ops is not None
    return httpx.request(
        method, f"{cloud.ops.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30.0
    )


def waiting_chat(cloud: LocalCloud, token: str, words: str, timeout_s: float = 30) -> dict[str, Any]:
    """The inbox's chat whose turns hold `words`, once its turn is kept (the barrier of a silent turn)."""
    deadline = time.monotonic() + timeout_s
    while True:
        answer = ops(cloud, "GET", "/api/inbox", token)
        assert answer.status_code == 200, answer.text
        for chat in answer.json()["chats"]:
            if any(words in turn["text"] for turn in chat["turns"]):
                return dict(chat)
        assert time.monotonic() < deadline, f"no chat with {words!r} in the inbox: {answer.json()}"
        time.sleep(0.3)


@pytest.mark.parametrize("messenger", ["telegram", "viber"])
def test_a_customer_is_answered_by_a_person_on_their_messenger_and_handed_back(
    cloud: LocalCloud, messenger: str
) -> None:
    chat = Chat(cloud, messenger, f"78{uuid.uuid4().int % 10**6:06d}", phone="+375290000078")
    operator, viewer = person_token(cloud, "operator"), person_token(cloud, "viewer")

    after(chat, lambda: chat.say("помощь"), TOPICS)
    after(chat, lambda: chat.press(PERSON), WAITING)

    # The bot is silent: the customer's next message (a card number in it) goes to the operator, masked.
    mark = chat.mark()
    words = in_letters(uuid.uuid4().hex[:12])  # this chat's turn among the inbox's
    chat._send("text", text=f"моя карта {CARD} не работает {words}")
    waiting = waiting_chat(cloud, operator, words)
    assert waiting["channel"] == messenger and waiting["state"] == "waiting" and waiting["reason"] == "asked"
    said = next(turn["text"] for turn in waiting["turns"] if words in turn["text"])
    assert MASKED in said and CARD not in said and CARD.replace(" ", "") not in said, said
    handoff = waiting["handoff_id"]
    assert cloud.stack is not None  # and the table holds the number only masked (the inbox masks again on display)
    stored = str(cloud.client("dynamodb").scan(TableName=str(cloud.stack.physical["HandoffsTable"]))["Items"])
    assert words in stored and CARD not in stored and CARD.replace(" ", "") not in stored

    # A person without the operator role, and core banking's client on the internal API, are refused.
    assert ops(cloud, "GET", "/api/inbox", viewer).status_code == 403
    assert ops(cloud, "POST", f"/api/inbox/{handoff}/take", viewer).status_code == 403
    assert cloud.api is not None
    core = token_of(cloud, "core-banking")
    refused = httpx.get(
        f"{cloud.api.base_url}/internal/handoffs", headers={"Authorization": f"Bearer {core}"}, timeout=20.0
    )
    assert refused.status_code == 403

    # The operator takes the chat and answers: the customer reads it on their own messenger.
    taken = ops(cloud, "POST", f"/api/inbox/{handoff}/take", operator)
    assert taken.status_code == 200 and taken.json()["state"] == "with_operator", taken.text
    answer = f"Здравствуйте! Это Анна из банка, смотрю вашу карту ({words})."
    answered = ops(cloud, "POST", f"/api/inbox/{handoff}/answer", operator, {"text": answer})
    assert answered.status_code == 200, answered.text
    assert answered.json()["audit"]["operator"] == "operator"
    chat.wait_for(answer, timeout_s=30)

    # Handed back: the customer is told; the chat can no longer be answered or taken by the operator.
    back = ops(cloud, "POST", f"/api/inbox/{handoff}/hand-back", operator)
    assert back.status_code == 200 and back.json()["state"] == "back_with_bot", back.text
    chat.wait_for(BACK, timeout_s=30)
    assert ops(cloud, "POST", f"/api/inbox/{handoff}/answer", operator, {"text": "ещё"}).status_code == 409
    assert ops(cloud, "POST", f"/api/inbox/{handoff}/take", operator).status_code == 409
    audit = ops(cloud, "GET", "/api/audit", operator).json()["records"]
    assert {(r["action"], r["outcome"]) for r in audit if r["target"] == f"chat {handoff}"} >= {
        ("take", "done"),
        ("answer", "done"),
        ("hand back", "done"),
        ("answer", "refused"),
    }

    # The bot answers again; between the mark and its reply only the person's answer and "handed back".
    seen = chat.barrier(mark)
    assert seen.texts == [answer, BACK], seen.texts
    assert seen.session_saves == 0  # the silent turn saved no session: the bot did not take it
    after(chat, lambda: chat.say("помощь"), TOPICS)


@pytest.mark.slow
def test_an_operator_answers_and_hands_back_from_the_operations_view_in_a_browser(cloud: LocalCloud) -> None:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    chat = Chat(cloud, "telegram", f"79{uuid.uuid4().int % 10**6:06d}", phone="+375290000079")
    after(chat, lambda: chat.say("помощь"), TOPICS)
    after(chat, lambda: chat.press(PERSON), WAITING)
    words = in_letters(uuid.uuid4().hex[:12])
    chat._send("text", text=f"карта {CARD} {words}")
    waiting_chat(cloud, person_token(cloud, "operator"), words)
    assert cloud.ops is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(cloud.ops.url)
        page.fill("#username", "operator")
        page.fill("#password", "sandbox-operator-password")
        page.click("#sign-in button[type=submit]")
        handoff = page.locator("#inbox article.handoff", has_text=words)
        expect(handoff).to_contain_text(MASKED, timeout=20_000)
        expect(handoff).not_to_contain_text(CARD)
        handoff.locator("textarea").fill(f"Добрый день, это Анна ({words}).")
        handoff.locator("form.answer button[type=submit]").click()
        # The action goes through the internal API's authorizer and the inbox's function, which may start a second
        # environment cold while the page's own refresh holds the first: 20 s, as for the inbox above.
        expect(page.locator("#notice")).to_have_text("Answer sent.", timeout=20_000)
        chat.wait_for(f"Добрый день, это Анна ({words}).", timeout_s=30)
        answered = page.locator("#inbox article.handoff", has_text=words)
        expect(answered.locator("li[data-by=operator]")).to_have_count(1)  # the inbox shows the answer, taken
        expect(answered).to_have_attribute("data-state", "with_operator")
        page.locator("#inbox article.handoff", has_text=words).locator("button[data-action=hand-back]").click()
        expect(page.locator("#notice")).to_have_text("Handed back to the bot.", timeout=20_000)
        page.screenshot(path=str(SCREENSHOTS / "ops_view_inbox.png"), full_page=True)
        browser.close()
    chat.wait_for(BACK, timeout_s=30)
