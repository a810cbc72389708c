"""The share-phone keyboard belongs to the phone question: the first reply after it takes it away."""

from __future__ import annotations

from tests.unit.conversation.chat import Chat, FakeDeps


def at_the_phone_question() -> Chat:
    chat = Chat(FakeDeps(results={"find_customer": {}}))
    chat.start()
    chat.press("Получить карту")
    chat.press("Русский")
    chat.press("Согласен")
    assert chat.position == ("onboarding", "phone")
    assert chat.last.replies[-1].opens_keyboard
    return chat


def closing(chat: Chat) -> list[bool]:
    return [reply.closes_keyboard for reply in chat.last.replies]


def test_the_phone_question_leaves_its_keyboard_standing() -> None:
    chat = at_the_phone_question()
    assert chat.session is not None and chat.session.reply_keyboard
    assert not any(closing(chat))


def test_the_reply_to_a_shared_phone_takes_the_keyboard_away() -> None:
    chat = at_the_phone_question()
    chat.send("contact", phone="+375291234567", contact_user_id="1001")
    assert chat.position == ("onboarding", "full_name")
    assert closing(chat)[0] and not any(closing(chat)[1:])
    assert chat.session is not None and not chat.session.reply_keyboard


def test_a_typed_phone_takes_the_keyboard_away_too() -> None:
    chat = at_the_phone_question()
    chat.say("+375 29 123-45-67")
    assert chat.position == ("onboarding", "code")
    assert closing(chat)[0]


def test_cancel_at_the_phone_question_takes_the_keyboard_away() -> None:
    chat = at_the_phone_question()
    chat.say("отмена")
    assert closing(chat)[0]


def test_a_wrong_phone_asks_again_with_the_keyboard_and_removes_nothing() -> None:
    chat = at_the_phone_question()
    chat.say("12")
    assert chat.position == ("onboarding", "phone")
    assert not any(closing(chat)) and chat.last.replies[-1].opens_keyboard
    assert chat.session is not None and chat.session.reply_keyboard


def test_only_the_first_reply_after_the_keyboard_closes_it() -> None:
    chat = at_the_phone_question()
    chat.send("contact", phone="+375291234567", contact_user_id="1001")
    chat.say("Иван Иванов")
    assert not any(closing(chat))
