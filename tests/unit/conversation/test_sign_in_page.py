"""Sign-in in the chat: the phone here, the card on the secure page. The chat never asks for a card's
digits; it sends the page's link and, on Continue, finds whether the page bound the chat."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from messenger_bank.conversation.engine import OperationFailed
from tests.unit.conversation.chat import FLOWS_DIR, Chat, FakeDeps

LINK = "https://api.example.com/secure/signin?t=s1"


def bindings(*answers: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """find_customer answering each of `answers` in turn (the last one from then on)."""
    given = list(answers)

    def answer(_: dict[str, Any]) -> dict[str, Any]:
        return given.pop(0) if len(given) > 1 else given[0]

    return answer


def to_the_card_page(chat: Chat) -> None:
    chat.start()
    chat.press("Баланс")
    chat.press("Войти")
    chat.send("contact", phone="+375291234567", contact_user_id="1001")  # Telegram's own contact


def links_shown(chat: Chat) -> list[str | None]:
    return [b.url for m in chat.last.replies for row in m.buttons for b in row if b.url]


def test_a_proven_phone_gets_the_card_page_link_and_no_card_question() -> None:
    chat = Chat(FakeDeps(results={"find_customer": {}, "sign_in": {"url": LINK, "expires_in": 300}}))

    to_the_card_page(chat)

    asked = [payload for name, payload in chat.deps.operations if name == "sign_in"]
    assert asked == [
        {
            "channel": "telegram",
            "user_id": "1001",
            "chat_key": "telegram:1001",
            "phone": "+375291234567",
            "phone_proof": "contact",
            "language": "ru",
        }
    ]
    assert chat.said("sign_in.card_page") and links_shown(chat) == [LINK]
    assert chat.position == ("sign_in", "card_page")


def test_continue_after_the_page_bound_the_chat_signs_in_with_its_session() -> None:
    found = bindings({}, {"customer_id": "cus_1", "session": "jwt-9"})
    chat = Chat(FakeDeps(results={"find_customer": found, "sign_in": {"url": LINK, "expires_in": 300}}))
    to_the_card_page(chat)

    chat.press("Продолжить")

    assert chat.said("sign_in.signed_in")
    assert chat.session is not None and chat.session.customer_id == "cus_1" and chat.session.session_token == "jwt-9"


def test_continue_before_the_card_was_proven_sends_a_new_link_and_binds_nothing() -> None:
    links = iter([LINK, "https://api.example.com/secure/signin?t=s2"])
    chat = Chat(FakeDeps(results={"find_customer": {}, "sign_in": lambda _: {"url": next(links), "expires_in": 300}}))
    to_the_card_page(chat)

    chat.press("Продолжить")

    assert chat.said("sign_in.card_page") and links_shown(chat) == ["https://api.example.com/secure/signin?t=s2"]
    assert chat.said("sign_in.not_yet")
    assert chat.session is not None and chat.session.customer_id is None


def test_a_locked_chat_or_phone_gets_no_link() -> None:
    chat = Chat(FakeDeps(results={"find_customer": {}, "sign_in": OperationFailed("TooManyAttempts")}))

    to_the_card_page(chat)

    assert chat.said("sign_in.locked") and links_shown(chat) == []


def test_the_sign_in_flow_asks_for_no_card_digits() -> None:
    flow = yaml.safe_load(Path(FLOWS_DIR, "sign_in.yaml").read_text(encoding="utf-8"))
    validators = {step.get("validator") for step in flow["steps"] if step["type"] == "ask"}

    assert validators == {"phone", "otp"}
