"""The engine's side of the sign-in zone: the session goes with every operation, a refused session is
opened again once, an unbound chat is signed out, and a sensitive operation asks again and resumes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from messenger_bank.conversation.engine import OperationFailed
from tests.unit.conversation.chat import Chat, customer_deps


def sessions_sent(chat: Chat, operation: str) -> list[Any]:
    return [payload.get("session") for name, payload in chat.deps.operations if name == operation]


def in_turn(*answers: dict[str, Any] | Exception) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """An operation that answers (or refuses with) each of `answers` in turn."""
    left = iter(answers)

    def answer(_: dict[str, Any]) -> dict[str, Any]:
        given = next(left)
        if isinstance(given, Exception):
            raise given
        return given

    return answer


def bound(session: str = "jwt-1") -> dict[str, str]:
    return {"customer_id": "cus_1", "session": session}


def test_the_chats_session_goes_with_every_customer_operation() -> None:
    chat = Chat(customer_deps(find_customer=bound()))
    chat.start()
    chat.press("Баланс")

    assert sessions_sent(chat, "list_cards") == [{"token": "jwt-1", "chat_key": "telegram:1001"}]
    assert sessions_sent(chat, "get_balance") == [{"token": "jwt-1", "chat_key": "telegram:1001"}]
    assert "120.50 BYN" in chat.text


def test_an_expired_session_is_opened_again_once_and_the_operation_goes_on() -> None:
    tokens = iter(["old", "fresh"])
    calls: list[str] = []

    def balance(payload: dict[str, Any]) -> dict[str, Any]:
        calls.append(payload["session"]["token"])
        if payload["session"]["token"] == "old":
            raise OperationFailed("SessionExpired")
        return {"balance": "120.50 BYN", "available": "100.00 BYN"}

    chat = Chat(customer_deps(find_customer=lambda _: bound(next(tokens)), get_balance=balance))
    chat.start()
    chat.press("Баланс")

    assert calls == ["old", "fresh"]
    assert "120.50 BYN" in chat.text


def test_a_chat_no_longer_bound_is_signed_out_and_offered_the_sign_in() -> None:
    answers = iter([bound("old"), {"customer_id": None}])
    chat = Chat(customer_deps(find_customer=lambda _: next(answers), list_cards=OperationFailed("SessionInvalid")))
    chat.start()
    chat.press("Баланс")

    assert chat.said("session.signed_out")
    assert chat.position == ("menu", "no_customer")
    assert any("Войти" in label for label in chat.labels())
    assert chat.session is not None and chat.session.customer_id is None and chat.session.session_token is None


def test_without_a_bank_password_the_card_page_is_offered_and_continue_resumes() -> None:
    secure_link = in_turn(OperationFailed("ReauthenticationRequired"), {"url": "https://secure.example/pin?t=new"})

    chat = Chat(
        customer_deps(
            find_customer=bound(),
            create_secure_link=secure_link,
            start_reauthentication={"method": "card", "url": "https://secure.example/card?t=c1"},
        )
    )
    chat.start()
    chat.press("Карта")
    chat.press("Сменить PIN")
    asked = chat.said("sign_in.reauth_card")
    page = [b.url for m in chat.last.replies for row in m.buttons for b in row if b.url]
    chat.press("Продолжить")

    assert asked and page == ["https://secure.example/card?t=c1"]
    assert chat.said("card_services.pin_link")
    assert not any(name == "confirm_card" for name in chat.deps.operation_names())


def test_with_a_bank_password_the_secure_page_is_offered_and_continue_resumes() -> None:
    secure_link = in_turn(
        OperationFailed("ReauthenticationRequired"),
        OperationFailed("ReauthenticationRequired"),  # Continue pressed before the page was used
        {"url": "https://secure.example/pin?t=new"},
    )

    chat = Chat(
        customer_deps(
            find_customer=bound(),
            create_secure_link=secure_link,
            start_reauthentication={"method": "password", "url": "https://secure.example/confirm?t=c1"},
        )
    )
    chat.start()
    chat.press("Карта")
    chat.press("Сменить PIN")
    assert chat.said("sign_in.reauth_password")
    chat.press("Продолжить")
    assert chat.said("sign_in.reauth_password")  # asked again: nothing was confirmed yet
    chat.press("Продолжить")

    assert chat.said("card_services.pin_link")
    assert chat.deps.operation_names().count("start_reauthentication") == 2
