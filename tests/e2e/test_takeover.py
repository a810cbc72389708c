"""Taking over a customer, tried as an attacker would through the HTTP front: forged contacts on
Telegram and Viber during onboarding and sign-in, a phone that is a customer's already, lockout abuse
and one-time code flooding. Each ends refused, and nothing binds. The sandbox texts random codes here,
so only the phone's owner can read one (``Chat.last_code``). Run with ``-s`` to see the cases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.cloud.cloud import LocalCloud
from tests.e2e.driver import Chat, Person, random_codes_reported
from tests.e2e.test_sign_in import (
    CARD_PAGE,
    SIGNED_IN,
    after,
    bound_customer,
    card_of,
    card_page,
    new_customer,
    other_card_with_the_same_mask,
    proof_long_ago,
    to_card_services,
)

# Tokens and links this test mints bind chats with the cloud's identity key (tests/e2e/conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("the_clouds_identity_key")]

CODE_ASKED = "Я отправил SMS с кодом"
WRONG_CODE = "Код неверный"
CARD_ASKED = CARD_PAGE
TOO_MANY_CODES = "уже отправлено несколько кодов"
OUTCOMES: list[tuple[str, str]] = []


@pytest.fixture(scope="module", autouse=True)
def random_codes(cloud: LocalCloud) -> Iterator[None]:
    with random_codes_reported(cloud, "takeover attacks (e2e)", OUTCOMES):
        yield


def identities_of(cloud: LocalCloud, customer_id: str) -> int:
    assert cloud.stack is not None
    return int(
        cloud.client("dynamodb").query(
            TableName=str(cloud.stack.physical["CustomersTable"]),
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": f"CUSTOMER#{customer_id}"}, ":s": {"S": "IDENTITY#"}},
        )["Count"]
    )


def attacker(cloud: LocalCloud, channel: str, prefix: str) -> Chat:
    """Someone with their own messenger account and phone, who knows the victim's number."""
    own = Person()
    chat = Chat(cloud, channel, f"{prefix}{own.number:06d}", phone=own.phone)
    chat.say("/start" if channel == "telegram" else "привет", replies=2)
    return chat


def to_onboarding_phone(chat: Chat) -> None:
    after(chat, lambda: chat.press("карту"), "На каком языке")
    after(chat, lambda: chat.press("Русский"), "согласие")
    after(chat, lambda: chat.press("Согласен"), "номером телефона")


def to_sign_in_phone(chat: Chat) -> None:
    after(chat, lambda: chat.press("Баланс"), "если вы уже клиент")
    after(chat, lambda: chat.press("Войти"), "Подтвердим, что это вы")


def guess_codes(chat: Chat, victim_phone: str) -> None:
    """Three guesses (Cerberus's limit for one code); none is the code texted to the victim."""
    texted = set(chat.cloud.sandbox.bank.codes_sent_to(victim_phone))
    for guess in ("000000", "111111", "123456"):
        if guess in texted:
            continue  # a one-in-a-million collision: not a guess an attacker could make knowingly
        after(chat, lambda g=guess: chat.say(g), WRONG_CODE)  # type: ignore[misc]


# ---------------------------------------------------------------- forged contacts
@pytest.mark.parametrize(
    ("channel", "flow"),
    [("viber", "onboarding"), ("telegram", "onboarding"), ("viber", "sign_in"), ("telegram", "sign_in")],
)
def test_a_victims_contact_shared_by_an_attacker_proves_nothing(cloud: LocalCloud, channel: str, flow: str) -> None:
    victim_chat, victim, _, _ = new_customer(cloud, "telegram", prefix="71")
    victim_id = bound_customer(cloud, victim_chat)
    assert victim_id is not None
    texts_before = len(cloud.sandbox.bank.codes_sent_to(victim.phone))
    chat = attacker(cloud, channel, "72" if channel == "viber" else "73")
    (to_onboarding_phone if flow == "onboarding" else to_sign_in_phone)(chat)

    # Viber: any contact; Telegram: an address-book card (no user_id) - both of the victim's number.
    after(chat, lambda: chat.share_contact(victim.phone), CODE_ASKED)
    guess_codes(chat, victim.phone)

    assert bound_customer(cloud, chat) is None
    assert identities_of(cloud, victim_id) == 1
    assert len(cloud.sandbox.bank.codes_sent_to(victim.phone)) == texts_before + 1  # the code went to the victim
    assert CARD_ASKED not in chat.texts() and "ФИО" not in chat.texts()
    OUTCOMES.append((f"{channel} {flow}: the victim's contact shared", "refused: a code to the victim, not bound"))


def test_the_senders_own_telegram_contact_still_needs_no_code(cloud: LocalCloud) -> None:
    """The control case: the fix must not turn away the customer who shares their own contact."""
    person = Person()
    chat = Chat(cloud, "telegram", f"74{person.number:06d}", phone=person.phone)
    chat.say("/start", replies=2)
    to_onboarding_phone(chat)

    after(chat, chat.share_phone, "фамилия")

    assert cloud.sandbox.bank.codes_sent_to(person.phone) == []


# ---------------------------------------------------------------- a customer's phone, proven
def test_onboarding_with_a_customers_phone_binds_nothing_and_sends_to_sign_in(cloud: LocalCloud) -> None:
    """Even with the victim's phone proven (a swapped SIM reads the code), an application with the
    attacker's own passport gets no card and no binding: only the way to sign in (a card proof)."""
    victim_chat, victim, _, _ = new_customer(cloud, "telegram", prefix="75")
    victim_id = bound_customer(cloud, victim_chat)
    assert victim_id is not None
    chat = attacker(cloud, "viber", "76")
    own = Person()
    to_onboarding_phone(chat)
    after(chat, lambda: chat.share_contact(victim.phone), CODE_ASKED)
    after(chat, lambda: chat.say(chat.last_code(victim.phone)), "фамилия")
    for answer in (own.full_name, own.born, own.passport, own.personal_id, "12.08.2015"):
        chat.say(answer)

    told = after(chat, lambda: chat.press("верно"), "вторая карта не нужна", timeout_s=90)

    assert "Войти" in str(told.get("markup"))
    assert bound_customer(cloud, chat) is None
    assert identities_of(cloud, victim_id) == 1
    assert not any(m["media"] for m in chat.messages())
    OUTCOMES.append(
        ("viber onboarding: the victim's phone proven (SIM swap), own passport", "refused: sign in, not bound")
    )


# ---------------------------------------------------------------- lockout abuse
def test_someone_elses_wrong_cards_never_lock_the_customers_own_chat(cloud: LocalCloud) -> None:
    victim_chat, victim, _, expiry = new_customer(cloud, "telegram", prefix="77")
    pan, _ = card_of(cloud, victim)
    chat = attacker(cloud, "viber", "78")
    # With the phone proven (a swapped SIM), three wrong cards lock sign-in for the phone...
    to_sign_in_phone(chat)
    after(chat, lambda: chat.share_contact(victim.phone), CODE_ASKED)
    link = after(chat, lambda: chat.say(chat.last_code(victim.phone)), CARD_ASKED)
    tries = [card_page(cloud, chat, link, other_card_with_the_same_mask(pan), expiry) for _ in range(3)]

    # ...but the customer's own chat, asked for the card before a sensitive operation, is not locked.
    to_card_services(victim_chat)
    after(victim_chat, lambda: victim_chat.press("Заблокировать"), "Почему блокируем")
    after(victim_chat, lambda: victim_chat.press("Потеряна"), "Заблокировать карту")
    after(victim_chat, lambda: victim_chat.press("Подтвердить"), "заблокирована")
    proof_long_ago(cloud, victim_chat)
    to_card_services(victim_chat)
    after(victim_chat, lambda: victim_chat.press("Разблокировать"), "Разблокировать карту")
    asked = after(victim_chat, lambda: victim_chat.press("Подтвердить"), "подтвердите карту ещё раз")
    own = card_page(cloud, victim_chat, asked, pan, expiry, page="card")
    after(victim_chat, lambda: victim_chat.press("Продолжить"), "снова работает")

    assert [t.status_code for t in tries] == [422, 422, 429] and own.status_code == 200
    assert bound_customer(cloud, chat) is None
    OUTCOMES.append(("viber sign-in: 3 wrong cards for the victim's phone", "attacker locked; victim's chat not"))


def test_without_the_phone_an_attacker_cannot_spend_the_victims_card_attempts(cloud: LocalCloud) -> None:
    """The card page comes only after the phone is proven: a forged contact never reaches it, so a
    stranger has no way to count wrong cards against the victim's phone."""
    _, victim, _, expiry = new_customer(cloud, "telegram", prefix="79")
    pan, _ = card_of(cloud, victim)
    chat = attacker(cloud, "viber", "80")
    to_sign_in_phone(chat)
    after(chat, lambda: chat.share_contact(victim.phone), CODE_ASKED)
    after(chat, lambda: chat.say("0000"), "код")  # a card's last four where the code is asked: not taken

    # The customer signs in on another messenger (proving their phone by its code) at once.
    second = Chat(cloud, "viber", f"81{victim.number:06d}", phone=victim.phone)
    second.say("привет", replies=2)
    to_sign_in_phone(second)
    after(second, second.share_phone, CODE_ASKED)
    link = after(second, lambda: second.say(second.last_code()), CARD_ASKED)
    card_page(cloud, second, link, pan, expiry)
    after(second, lambda: second.press("Продолжить"), SIGNED_IN)

    assert bound_customer(cloud, chat) is None and bound_customer(cloud, second) is not None
    OUTCOMES.append(("viber sign-in: card guesses without the phone", "refused: never reaches the card page"))


# ---------------------------------------------------------------- the screenshot replay (issue 16, item 2)
def test_a_screenshot_of_the_victims_chat_does_not_sign_in(cloud: LocalCloud) -> None:
    """The attacker has the victim's number on a swapped SIM (so the phone is proven) and a screenshot of
    the victim's chat: the card-issued message with the mask and the expiry. The chat never asks for
    them; the secure page asks the full number, which no screenshot shows. Every try is refused, and
    nothing is bound to the attacker's chat."""
    victim_chat, victim, last_four, expiry = new_customer(cloud, "telegram", prefix="85")
    victim_id = bound_customer(cloud, victim_chat)
    assert victim_id is not None
    screenshot = victim_chat.texts()
    assert last_four in screenshot and expiry in screenshot  # what the attacker reads off the screenshot
    pan, _ = card_of(cloud, victim)
    assert pan not in screenshot
    chat = attacker(cloud, "viber", "86")
    to_sign_in_phone(chat)
    after(chat, lambda: chat.share_contact(victim.phone), CODE_ASKED)
    link = after(chat, lambda: chat.say(chat.last_code(victim.phone)), CARD_ASKED)

    last_four_only = card_page(cloud, chat, link, last_four, expiry)
    same_mask = card_page(cloud, chat, link, other_card_with_the_same_mask(pan), expiry)
    after(chat, lambda: chat.press("Продолжить"), "Карта ещё не подтверждена")

    assert last_four_only.status_code == 422 and same_mask.status_code == 422
    assert bound_customer(cloud, chat) is None
    assert identities_of(cloud, victim_id) == 1
    OUTCOMES.append(
        ("viber sign-in: the victim's phone (SIM swap) + last four and expiry from a screenshot", "refused, not bound")
    )


# ---------------------------------------------------------------- one-time code flooding
def ask_for_a_code(chat: Chat, phone: str) -> str:
    """Share a contact of `phone` at the phone question: the bot's answer (a code sent, or refused)."""
    return str(after(chat, lambda: chat.share_contact(phone), "код")["text"])


def test_an_attacker_cannot_flood_a_phone_with_codes(cloud: LocalCloud) -> None:
    victim = Person()
    first, second = attacker(cloud, "viber", "82"), attacker(cloud, "viber", "83")
    answers, texted = [], []
    for chat in (first, first, first, second):  # a second chat does not reset the phone's allowance
        to_onboarding_phone(chat)
        answers.append(ask_for_a_code(chat, victim.phone))
        texted.append(len(cloud.sandbox.bank.codes_sent_to(victim.phone)))
        after(chat, lambda c=chat: c.say("меню"), "Что вы хотите сделать?")  # type: ignore[misc]

    assert texted == [1, 2, 3, 3]
    assert [TOO_MANY_CODES in a for a in answers] == [False, False, False, True]
    OUTCOMES.append(("viber onboarding: a 4th code to one phone, from a second chat", "3 texted, then refused"))


def test_one_chat_cannot_flood_many_phones(cloud: LocalCloud) -> None:
    chat = attacker(cloud, "telegram", "84")
    phones = [Person().phone for _ in range(4)]
    answers = []
    for phone in phones:
        to_sign_in_phone(chat)
        answers.append(ask_for_a_code(chat, phone))

    assert [TOO_MANY_CODES in a for a in answers] == [False, False, False, True]
    assert cloud.sandbox.bank.codes_sent_to(phones[3]) == []
    OUTCOMES.append(("telegram sign-in: codes to four phones from one chat", "3 texted, then refused"))
