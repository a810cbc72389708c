"""A phone is proven by the messenger only where it vouches for it (Telegram's own contact, WhatsApp's
number); any other shared contact is taken like a typed number and proven by a one-time code."""

from __future__ import annotations

from typing import Any

import pytest

from messenger_bank.signin.phone_proof import contact_proof_possible, contact_proves
from tests.unit.conversation.chat import Chat, FakeDeps

PHONE = "+375291234567"


@pytest.mark.parametrize(
    ("channel", "chat_id", "contact_user_id", "proven", "case"),
    [
        ("telegram", "1001", "1001", True, "Telegram: the sender's own contact"),
        ("telegram", "1001", None, False, "Telegram: an address-book card, no user_id"),
        ("telegram", "1001", "999", False, "Telegram: another user's contact"),
        ("viber", "1001", None, False, "Viber: any contact"),
        ("viber", "1001", "1001", False, "Viber: a user id, had Viber sent one, still proves nothing"),
        ("messenger", "1001", None, False, "Messenger: the phone quick reply"),
        ("whatsapp", "375291234567", "375291234567", True, "WhatsApp: the chat's own number"),
        ("whatsapp", "375290000000", None, False, "WhatsApp: a contact card of another number"),
        ("whatsapp", "375290000000", "375290000000", False, "WhatsApp: the sender's id, another number"),
    ],
)
def test_only_the_platform_proves_a_contacts_phone(
    channel: str, chat_id: str, contact_user_id: str | None, proven: bool, case: str
) -> None:
    sender = chat_id
    assert (
        contact_proves(channel, sender_id=sender, chat_id=chat_id, phone=PHONE, contact_user_id=contact_user_id)
        is proven
    ), case


@pytest.mark.parametrize(
    ("channel", "chat_key", "possible"),
    [
        ("telegram", "telegram:1001", True),
        ("whatsapp", "whatsapp:375291234567", True),
        ("whatsapp", "whatsapp:375290000000", False),
        ("viber", "viber:u-1", False),
        ("messenger", "messenger:1001", False),
    ],
)
def test_an_operation_refuses_a_contact_proof_the_messenger_cannot_give(
    channel: str, chat_key: str, possible: bool
) -> None:
    assert contact_proof_possible(channel, chat_key, PHONE) is possible


def at_the_phone_question(channel: str) -> Chat:
    chat = Chat(FakeDeps(results={"find_customer": {}}), channel=channel)
    chat.start()
    chat.press("Получить карту")
    chat.press("Русский")
    chat.press("Согласен")
    assert chat.position == ("onboarding", "phone")
    return chat


def values(chat: Chat) -> dict[str, Any]:
    assert chat.session is not None
    return chat.session.data.values


def test_a_viber_contact_is_proven_by_a_code_sent_to_its_number() -> None:
    chat = at_the_phone_question("viber")

    chat.send("contact", phone=PHONE)

    assert chat.position == ("onboarding", "code")
    assert ("send_otp", {"phone": PHONE, "chat_key": "viber:1001"}) in chat.deps.operations
    assert values(chat)["phone_verified"] is False


def test_a_telegram_address_book_card_is_proven_by_a_code_sent_to_its_number() -> None:
    chat = at_the_phone_question("telegram")

    chat.send("contact", phone=PHONE)  # no user_id: a card from the address book

    assert chat.position == ("onboarding", "code")
    assert ("send_otp", {"phone": PHONE, "chat_key": "telegram:1001"}) in chat.deps.operations
    assert values(chat)["phone_verified"] is False


def test_the_senders_own_telegram_contact_needs_no_code() -> None:
    chat = at_the_phone_question("telegram")

    chat.send("contact", phone=PHONE, contact_user_id="1001")

    assert chat.position == ("onboarding", "full_name")
    assert "send_otp" not in chat.deps.operation_names()
    assert values(chat)["phone_verified"] is True


def test_a_forged_contact_in_sign_in_is_proven_by_a_code_too() -> None:
    chat = Chat(FakeDeps(results={"find_customer": {}}), channel="viber")
    chat.start()
    chat.press("Баланс")
    chat.press("Войти")
    assert chat.position == ("sign_in", "phone")

    chat.send("contact", phone=PHONE)

    assert chat.position == ("sign_in", "code")
    assert ("send_otp", {"phone": PHONE, "chat_key": "viber:1001"}) in chat.deps.operations
