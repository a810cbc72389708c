"""A reader of the fake platforms' chats (the e2e chat driver) waits to be told of a change instead of polling:
`Store.wait_changed` returns once a message is added, edited or deleted, with the version then."""

from __future__ import annotations

import threading

from local.platforms.state import ChatMessage, Store


def _bot_message(store: Store, text: str) -> ChatMessage:
    return ChatMessage(store.next_seq(), "telegram", "42", str(store.next_seq()), "bot", "text", text=text)


def test_a_message_added_by_another_thread_wakes_the_reader_with_the_new_version() -> None:
    store = Store()
    seen = store.version
    adder = threading.Thread(target=store.add_message, args=(_bot_message(store, "hello"),))

    adder.start()
    version = store.wait_changed(seen, timeout_s=60)
    adder.join()

    assert version != seen
    assert [m.text for m in store.conversation("telegram", "42")] == ["hello"]


def test_an_edit_moves_the_version_a_reader_waits_on() -> None:
    store = Store()
    message = store.add_message(_bot_message(store, "in progress"))
    seen = store.version
    message.text = "done"
    threading.Thread(target=store.touch, args=(message,)).start()

    assert store.wait_changed(seen, timeout_s=60) != seen


def test_without_a_change_the_wait_gives_back_the_version_it_was_given() -> None:
    store = Store()
    store.add_message(_bot_message(store, "hello"))
    seen = store.version

    assert store.wait_changed(seen, timeout_s=0) == seen
