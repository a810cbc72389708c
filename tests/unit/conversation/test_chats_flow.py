"""The conversation's side of bound chats: "My chats" in the card menu (flows/chats.yaml) and the
"This wasn't me" button of an announcement (flows/not_me.yaml), over fake operations that refuse as
the deployed functions do."""

from __future__ import annotations

from typing import Any

from messenger_bank.conversation.catalogue import text
from tests.unit.conversation.chat import Chat, customer_deps

OTHER = "b_" + "a" * 20
THIS = "b_" + "b" * 20


def chats_listed(payload: dict[str, Any]) -> dict[str, Any]:
    items = [
        {"binding_id": OTHER, "messenger": "Viber", "bound": "01.12.2026 13:00 (UTC+03:00)", "this_chat": False},
        {"binding_id": THIS, "messenger": "Telegram", "bound": "01.11.2026 10:00 (UTC+03:00)", "this_chat": True},
    ]
    for item in items:
        item["label"] = item["messenger"] + (" (этот чат)" if item["this_chat"] else "")
        item["line"] = "• " + item["label"]
    return {"items": items, "text": "\n".join(i["line"] for i in items)}


def removed(payload: dict[str, Any]) -> dict[str, Any]:
    this_chat = payload["binding_id"] == THIS
    return {"customer_id": None if this_chat else payload["customer_id"], "this_chat": this_chat, "messenger": "X"}


def in_my_chats() -> Chat:
    chat = Chat(customer_deps(list_chats=chats_listed, remove_chat=removed))
    chat.say("меню")
    chat.press_key("menu.card")
    chat.press_key("card_services.chats")
    return chat


def removals(chat: Chat) -> list[dict[str, Any]]:
    return [payload for name, payload in chat.deps.operations if name == "remove_chat"]


def test_my_chats_lists_the_chats_and_removes_the_one_chosen_after_a_confirmation() -> None:
    chat = in_my_chats()
    assert "• Viber" in chat.text and "• Telegram (этот чат)" in chat.text

    chat.press("Viber")
    assert removals(chat) == []  # not before the confirmation
    chat.press_key("chats.remove")

    assert [(p["binding_id"], p["chat_key"]) for p in removals(chat)] == [(OTHER, "telegram:1001")]
    assert chat.said("chats.removed_other", messenger="X")
    assert chat.session is not None and chat.session.customer_id == "cus_1"


def test_declining_the_confirmation_removes_nothing() -> None:
    chat = in_my_chats()
    chat.press("Viber")

    chat.press_key("common.decline")

    assert removals(chat) == []


def test_removing_this_chat_warns_first_and_leaves_the_chat_a_strangers() -> None:
    chat = in_my_chats()

    chat.press("этот чат")
    assert chat.said("chats.confirm_this")
    chat.press_key("chats.remove")

    assert chat.said("chats.removed_this")
    assert chat.session is not None and chat.session.customer_id is None and chat.session.session_token is None
    chat.deps.results["find_customer"] = {"customer_id": None}
    chat.press_key("menu.balance")
    assert chat.said("menu.no_customer")


def test_this_wasnt_me_names_the_binding_and_says_what_to_do_next() -> None:
    chat = Chat(customer_deps(this_wasnt_me={"messenger": "Viber", "bound": "01.12.2026 13:00 (UTC+03:00)"}))
    chat.say("меню")

    chat.send("button", button=f"g:go:not_me:disown:{OTHER}")

    asked = [payload for name, payload in chat.deps.operations if name == "this_wasnt_me"]
    assert [(p["ref"], p["chat_key"], p["customer_id"]) for p in asked] == [(OTHER, "telegram:1001", "cus_1")]
    assert chat.said("chats.disowned", messenger="Viber", when="01.12.2026 13:00 (UTC+03:00)")
    assert text("card_services.block", "ru") in chat.labels()


def test_this_wasnt_me_from_a_strangers_chat_asks_nothing_of_the_bank() -> None:
    chat = Chat(customer_deps(find_customer={"customer_id": None}))
    chat.say("меню")

    chat.send("button", button=f"g:go:not_me:disown:{OTHER}")

    assert "this_wasnt_me" not in chat.deps.operation_names()
    assert chat.said("menu.no_customer")
