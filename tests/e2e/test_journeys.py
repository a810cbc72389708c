"""Every customer journey on every messenger, through the whole local cloud and its strict fake platforms:
one row per journey, one column per messenger, one test per cell. A new journey is one function in
JOURNEYS; a new messenger is one name in MESSENGERS.

Where a journey tells someone later (a transfer's recipient, a money request's payer, a plastic card's
statuses), that person has been quiet for a day first: on WhatsApp and Messenger the 24-hour window is
closed and the notice must arrive as an approved template or with its message tag (`outside_the_window`);
Telegram and Viber have no window and take it as a free message.

The rows that only read or put back what they change (balance, block and unblock, requisites, the PIN and
password pages, top-up, the payments; the transfer's recipient, the request's payer) share one card holder
per column (on WhatsApp, whose pace one chat cannot take for a column, one per cell), made on first use:
each cell starts after a barrier, from the menu, and checks what it changed against what it found, so no
cell depends on the order the cells run in. The rows that need a newcomer or
a second person make their own."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from local.sandbox.cerberus import CREDIT_LIMIT_HIGH
from messenger_bank.conversation.catalogue import text
from tests.e2e.driver import Chat, Person, ended_journeys, journeys_of, onboard, since, web_app_form
from tests.e2e.test_card_issuance import chat_for
from tests.e2e.test_history import document_after
from tests.e2e.test_payments import acquirer_calls_back, pay_on_the_acquirers_page, start_topup
from tests.e2e.test_plastic_card import advance_at_the_bank, order_to_the_address, post_event, tracked_order
from tests.e2e.test_referrals import bonuses_on
from tests.e2e.test_sign_in import CARD_PAGE, SIGNED_IN, after, bound_customer, card_of, card_page, page_link
from tests.e2e.test_transfers import FUNDS, balance, bank_card, funded_customer, grouped, operations

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("the_clouds_identity_key", "acquirer_calls_back")]

__all__ = ["acquirer_calls_back"]  # the fixture, imported for this module's tests

MESSENGERS = ("telegram", "viber", "whatsapp", "messenger")
MENU = text("menu.main", "ru")
CARD_SERVICES = text("card_services.services", "ru")
CONFIRM = text("common.confirm", "ru")


# ---------------------------------------------------------------- what every row shares
_card_holders: dict[tuple[int, str], tuple[Chat, str]] = {}
# WhatsApp paces the messages to one user: 45 at once, then one per 6 s (Meta's pair rate, which the bank's
# limiter keeps). A column's worth of cells in one chat is far beyond what a person does, and its turns come to
# wait longer than the conversation's timeout allows; there each cell has a card holder of its own.
ONE_CHAT_TAKES_A_COLUMN = {"telegram", "viber", "messenger"}


def card_holder(cloud: LocalCloud, messenger: str) -> tuple[Chat, str]:
    """This column's card holder (on WhatsApp, this cell's), with FUNDS on the card at first, and their account;
    at the menu."""
    key = (id(cloud), messenger)
    if key not in _card_holders or messenger not in ONE_CHAT_TAKES_A_COLUMN:
        _card_holders[key] = funded_customer(cloud, messenger)
    chat, account = _card_holders[key]
    chat.barrier(chat.mark())  # whatever an earlier cell's turns still send is sent first: a quiet chat
    after(chat, lambda: chat.say("меню"), MENU)
    return chat, account


def customer(cloud: LocalCloud, messenger: str) -> Chat:
    return card_holder(cloud, messenger)[0]


def to_card_services(chat: Chat) -> None:
    after(chat, lambda: chat.say("меню"), MENU)
    after(chat, lambda: chat.press(text("menu.card", "ru")), CARD_SERVICES)


def outside_the_window(chat: Chat, notice: dict[str, Any]) -> None:
    """`notice` reached a chat whose window had closed the way the platform lets it: WhatsApp as an approved
    template, Messenger as a MESSAGE_TAG send; Telegram and Viber, which have no window, as a free message."""
    if chat.channel == "whatsapp":
        assert notice["kind"] == "template", notice
    elif chat.channel == "messenger":
        assert notice["extra"]["messaging_type"] == "MESSAGE_TAG", notice
    else:
        assert notice["kind"] != "template", notice


def count_of(cloud: LocalCloud, machine: str, chat: Chat) -> int:
    """How many executions of `machine` this chat has started so far."""
    return len(journeys_of(cloud, machine, chat))


def newest_ended(cloud: LocalCloud, machine: str, chat: Chat, count: int) -> dict[str, Any]:
    """The newest of this chat's executions of `machine` once all have ended, there being `count` now."""
    found = ended_journeys(cloud, machine, chat)
    assert len(found) == count, [e["status"] for e in found]
    return max(found, key=lambda e: str(e["startDate"]))


def in_russian(minor: int) -> str:
    """An amount of BYN as the bot writes it in Russian: "1 234,50 BYN", the spaces no-break ones."""
    roubles, kopecks = divmod(minor, 100)
    return f"{roubles:,}".replace(",", "\u00a0") + f",{kopecks:02d}\u00a0BYN"


def new_since(chat: Chat, before: int, text_part: str) -> dict[str, Any]:
    return since(chat, before, text_part, timeout_s=60)


# ---------------------------------------------------------------- the journeys
def card_issuance(cloud: LocalCloud, messenger: str) -> None:
    person = Person()
    chat = chat_for(cloud, messenger, person)

    onboard(chat, person)

    card = chat.wait_for("карта готова")
    assert re.search(r"\d{6}\*{6}\d{4}", str(card["text"])), card["text"]
    assert any(m["media"] for m in chat.messages()), "no card picture"
    assert [e["status"] for e in ended_journeys(cloud, "CardIssuanceStateMachine", chat)] == ["SUCCEEDED"]
    bank_customer = cloud.sandbox.bank.find_customer_by_phone(person.phone)
    assert bank_customer is not None and len(cloud.sandbox.bank.cards_of(bank_customer["id"])) == 1


def transfer(cloud: LocalCloud, messenger: str) -> None:
    """To this column's card holder, quiet for a day: the sender gets the receipt, the recipient the
    incoming-transfer notice outside the window."""
    sender, senders_account = funded_customer(cloud, messenger)
    recipient, recipients_account = card_holder(cloud, messenger)
    funds = balance(cloud, recipients_account)
    recipient.quiet_for_a_day()
    before = len(recipient.messages())

    pan = bank_card(cloud, recipient)["pan"]
    sender.say("перевод")
    sender.say(grouped(pan))
    confirm = sender.say("25")[-1]
    assert "25.00 BYN" in str(confirm["text"]) and "26.00 BYN" in str(confirm["text"])  # the 1.00 BYN fee
    sender.press(CONFIRM)
    receipt = sender.wait_for("Перевод выполнен")
    notice = new_since(recipient, before, "Вам пришёл перевод")

    assert "26.00 BYN" in str(receipt["text"])
    assert pan not in sender.texts().replace(" ", "")  # the number typed is never said back
    assert "25.00 BYN" in str(notice["text"])
    outside_the_window(recipient, notice)
    (execution,) = ended_journeys(cloud, "TransferStateMachine", sender)
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["recipient"] == {"outcome": "told", "delivered": 1}
    assert balance(cloud, senders_account) == FUNDS - 2_600
    assert balance(cloud, recipients_account) == funds + 2_500
    assert operations(cloud, senders_account).count("debit") == 1


def money_request(cloud: LocalCloud, messenger: str) -> None:
    """Asked of this column's card holder, quiet for a day: the request reaches the payer outside the
    window, the payer pays it with its button, and the requester is told."""
    payer, payers_account = card_holder(cloud, messenger)
    funds, transfers = balance(cloud, payers_account), operations(cloud, payers_account).count("transfer")
    requester, requesters_account = funded_customer(cloud, messenger, amount=0)
    payer.quiet_for_a_day()
    before = len(payer.messages())

    requester.press("Меню")
    requester.press("Пополнить")
    requester.press("Попросить у друга")
    requester.say(str(payer.user["phone"]))
    requester.say("12")
    requester.press(CONFIRM)
    requester.wait_for("Я попросил")
    asked = new_since(payer, before, "просит у вас")
    outside_the_window(payer, asked)
    payer.press("💸")
    payer.press("💸")  # the confirmation, with the amount filled in
    new_since(payer, before, "Вы перевели")
    told = requester.wait_for("перевёл вам")

    assert "12.00 BYN" in str(told["text"])
    assert balance(cloud, payers_account) == funds - 1_200
    assert balance(cloud, requesters_account) == 1_200
    assert operations(cloud, payers_account).count("transfer") == transfers + 1


def top_up(cloud: LocalCloud, messenger: str) -> None:
    """From another bank's card, on the acquirer's page (the card form, then 3-D Secure)."""
    chat, account = card_holder(cloud, messenger)
    funds, credits = balance(cloud, account), operations(cloud, account).count("credit")
    topups = count_of(cloud, "TopUpStateMachine", chat)
    before = len(chat.messages())
    payment_id = start_topup(chat, "25")
    pay_on_the_acquirers_page(cloud, payment_id)

    done = new_since(chat, before, "пополнена")

    assert "25.00 BYN" in str(done["text"])
    assert newest_ended(cloud, "TopUpStateMachine", chat, topups + 1)["status"] == "SUCCEEDED"
    assert balance(cloud, account) == funds + 2_500
    assert operations(cloud, account).count("credit") == credits + 1


def bill_payment(category: str, payee: str, payees_account: str) -> Callable[[LocalCloud, str], None]:
    """A payment for a service of `category`: `payee` chosen from the billing catalogue, the customer's
    account with it typed."""

    def pay(cloud: LocalCloud, messenger: str) -> None:
        chat, account = card_holder(cloud, messenger)
        funds, payments = balance(cloud, account), operations(cloud, account).count("bill_payment")
        done = count_of(cloud, "BillPaymentStateMachine", chat)
        chat.press(text("menu.pay", "ru"))
        chat.press(text(f"payment.{category}", "ru"))
        chat.press(payee)
        asked = chat.say(payees_account)[-1]
        assert "Сколько оплатить" in str(asked["text"]), asked["text"]
        quote = chat.say("15")[-1]
        assert payee in str(quote["text"]) and "15.00 BYN" in str(quote["text"])
        before = len(chat.messages())
        chat.press(CONFIRM)
        receipt = new_since(chat, before, "Оплачено")
        picture = chat.wait_for_picture(after=before)

        assert "15.00 BYN" in str(receipt["text"])
        assert picture["media"], "no receipt picture"
        assert newest_ended(cloud, "BillPaymentStateMachine", chat, done + 1)["status"] == "SUCCEEDED"
        assert balance(cloud, account) == funds - 1_500
        assert operations(cloud, account).count("bill_payment") == payments + 1

    return pay


def plastic_card(cloud: LocalCloud, messenger: str) -> None:
    """Ordered to an address; the card is made, sent and delivered days later, when the customer's window
    has closed: each status is told once, outside the window."""
    chat = customer(cloud, messenger)
    after(chat, lambda: chat.press("Меню"), MENU)  # Messenger's quick replies live on the last message only
    order_to_the_address(chat)
    order = tracked_order(cloud, chat)
    chat.quiet_for_a_day()

    for status, told in (("produced", "изготовлена"), ("sent", "отправлена"), ("delivered", "доставлена")):
        before = len(chat.messages())
        assert advance_at_the_bank(cloud, order["order_id"]) == status
        assert post_event(cloud, order["order_id"], status)["changed"] is True
        outside_the_window(chat, new_since(chat, before, told))

    # The customer answers with the last notice's button: the window is open again, the menu a free answer.
    before = len(chat.messages())
    chat.press("Меню")
    menu = new_since(chat, before, MENU)
    assert menu["kind"] != "template" and (menu.get("extra") or {}).get("messaging_type", "RESPONSE") == "RESPONSE"
    texts = [str(m.get("text") or "") for m in chat.messages()]
    for told in ("принят банком", "изготовлена", "отправлена", "доставлена"):
        assert sum(told in t for t in texts) == 1, told
    assert [e["status"] for e in ended_journeys(cloud, "PlasticCardOrderStateMachine", chat)] == ["SUCCEEDED"]


def card_balance(cloud: LocalCloud, messenger: str) -> None:
    chat, account = card_holder(cloud, messenger)
    last_four = bank_card(cloud, chat)["pan"][-4:]
    to_card_services(chat)

    shown = after(chat, lambda: chat.press(text("card_services.balance", "ru")), "Баланс:")

    assert last_four in str(shown["text"])
    # The card holder's card has the sandbox's high credit line (none of it used: they spend less than FUNDS).
    own, line = in_russian(balance(cloud, account)), in_russian(CREDIT_LIMIT_HIGH)
    assert f"Баланс: {text('card_services.own_and_credit', 'ru', own=own, unused=line, limit=line)}" in str(
        shown["text"]
    )


def block_and_unblock(cloud: LocalCloud, messenger: str) -> None:
    chat = customer(cloud, messenger)
    card_id = bank_card(cloud, chat)["id"]

    to_card_services(chat)
    after(chat, lambda: chat.press(text("card_services.block", "ru")), "Почему блокируем")
    after(chat, lambda: chat.press("Потеряна"), "Заблокировать карту")
    after(chat, lambda: chat.press(CONFIRM), "заблокирована")
    blocked = bank_card(cloud, chat)
    to_card_services(chat)
    after(chat, lambda: chat.press(text("card_services.unblock", "ru")), "Разблокировать карту")
    after(chat, lambda: chat.press(CONFIRM), "снова работает")

    assert (blocked["id"], blocked["status"]) == (card_id, "blocked")
    assert bank_card(cloud, chat)["status"] == "active"


def requisites(cloud: LocalCloud, messenger: str) -> None:
    chat = customer(cloud, messenger)
    to_card_services(chat)
    before = len(chat.messages())

    chat.press(text("card_services.requisites", "ru"))
    answer = document_after(chat, before)

    assert any("IBAN: BY" in str(m.get("text") or "") for m in answer), [m.get("text") for m in answer]
    (document,) = [m for m in answer if m["kind"] in {"document", "url"}]
    url = (document["media"] or {}).get("url") or document["extra"].get("media")
    assert httpx.get(url, timeout=10).content.startswith(b"%PDF")


def pin_page(cloud: LocalCloud, messenger: str) -> None:
    chat = customer(cloud, messenger)
    to_card_services(chat)
    shown = after(chat, lambda: chat.press(text("card_services.pin", "ru")), "Установите новый PIN")
    link = page_link(cloud, shown, "pin")

    first = httpx.post(link, data=web_app_form(chat, {"pin": "4829", "pin_confirm": "4829"}), timeout=20)
    again = httpx.post(link, data=web_app_form(chat, {"pin": "5930", "pin_confirm": "5930"}), timeout=20)

    assert first.status_code == 200 and 'data-outcome="pin_done"' in first.text
    assert 'data-outcome="used"' in again.text
    assert "4829" not in chat.texts()


def password_page(cloud: LocalCloud, messenger: str) -> None:
    chat = customer(cloud, messenger)
    to_card_services(chat)
    shown = after(chat, lambda: chat.press(text("card_services.password", "ru")), "Смените пароль банка")
    password = {"password": "Bank-pass-2026", "password_confirm": "Bank-pass-2026"}

    page = httpx.post(page_link(cloud, shown, "password"), data=web_app_form(chat, password), timeout=20)

    assert page.status_code == 200 and 'data-outcome="password_done"' in page.text
    assert "Bank-pass-2026" not in chat.texts()


def sign_in(cloud: LocalCloud, messenger: str) -> None:
    """A customer of another messenger binds a chat of this one: the phone proven in the chat (the
    messenger vouches, or a code), then the card on the secure page."""
    first_messenger = next(m for m in MESSENGERS if m != messenger)
    person = Person()
    first = chat_for(cloud, first_messenger, person)
    onboard(first, person)
    first.wait_for("карта готова")
    pan, expiry = card_of(cloud, person)
    second = chat_for(cloud, messenger, person)
    second.say("привет", replies=2)

    after(second, lambda: second.press(text("card_services.balance", "ru")), "если вы уже клиент")
    if messenger == "whatsapp":  # WhatsApp gives the sender's number: nothing more to prove in the chat
        link = after(second, lambda: second.press("Войти"), CARD_PAGE)
    else:
        after(second, lambda: second.press("Войти"), "Подтвердим, что это вы")
        if messenger == "telegram":  # Telegram vouches for the user's own contact
            link = after(second, second.share_phone, CARD_PAGE)
        else:  # Viber's contact and a typed number are not proof: a one-time code is
            if messenger == "viber":
                after(second, second.share_phone, "код")
            else:
                after(second, lambda: second.say(person.phone), "код")
            link = after(second, lambda: second.say(second.last_code()), CARD_PAGE)
    page = card_page(cloud, second, link, pan, expiry)
    after(second, lambda: second.press("Продолжить"), SIGNED_IN)

    assert page.status_code == 200 and 'data-outcome="signin_done"' in page.text
    assert bound_customer(cloud, second) == bound_customer(cloud, first)
    assert pan not in second.texts()
    shown = after(second, lambda: second.press(text("card_services.balance", "ru")), "Баланс:")
    assert pan[-4:] in str(shown["text"])


# An invitation link as each messenger's client follows it: (the link's pattern, what the client sends).
INVITE_LINKS: dict[str, tuple[str, Callable[[str], dict[str, str]]]] = {
    "telegram": (r"https://t\.me/[^\s\"?]+\?start=([^\s\"&]+)", lambda code: {"kind": "start", "payload": code}),
    "viber": (r"viber://pa\?[^\s\"]*context=([^\s\"&]+)", lambda code: {"kind": "start", "referral": code}),
    "whatsapp": (r"https://wa\.me/\d+\?text=([^\s\"&]+)", lambda text: {"kind": "text", "text": text}),
    "messenger": (r"https://m\.me/[^\s\"?]+\?ref=([^\s\"&]+)", lambda code: {"kind": "start", "referral": code}),
}


def follow_invitation(chat: Chat, shown: dict[str, Any]) -> None:
    """`chat`'s person follows the share link in the bot's message `shown`, as their messenger would: Telegram
    starts the bot with the link's parameter, Viber opens the chat with its context, WhatsApp puts the link's
    text in the box to send, Messenger opens the thread with its ref."""
    pattern, sent = INVITE_LINKS[chat.channel]
    found = re.search(pattern, json.dumps([shown.get("text"), shown.get("markup")], ensure_ascii=False))
    assert found, f"no {chat.channel} invitation link in {shown}"
    fields = sent(unquote(found[1]))
    # Viber's conversation_started takes one welcome message, in the webhook's answer; the rest say more.
    chat.act(lambda: chat.cloud.platforms.send(chat.channel, chat.user, **fields), timeout_s=60)


def referral(cloud: LocalCloud, messenger: str) -> None:
    """A customer invites a friend on the same messenger with the invitation's link: the friend gets a
    card, both get their bonus once."""
    inviter = Person(surname="Шыпіла")
    inviters_chat = chat_for(cloud, messenger, inviter)
    onboard(inviters_chat, inviter)
    inviters_chat.wait_for("карта готова")
    ended_journeys(cloud, "CardIssuanceStateMachine", inviters_chat)
    inviters_chat.barrier(inviters_chat.mark())  # the journey's last words said before the menu is asked for
    after(inviters_chat, lambda: inviters_chat.say("меню"), MENU)
    inviters_chat.press(text("menu.programs", "ru"))
    invitation = after(inviters_chat, lambda: inviters_chat.press("Пригласить"), "код приглашения")
    friend = Person(surname="Навічок")
    friends_chat = chat_for(cloud, messenger, friend)

    follow_invitation(friends_chat, invitation)
    onboard(friends_chat, friend)
    friends_chat.wait_for("карта готова")
    (execution,) = ended_journeys(cloud, "CardIssuanceStateMachine", friends_chat)

    assert execution["status"] == "SUCCEEDED"
    assert bonuses_on(cloud, inviter) == [1000]  # 10.00 BYN to the customer who invited
    assert bonuses_on(cloud, friend) == [500]  # 5.00 BYN to the friend


JOURNEYS: dict[str, Callable[[LocalCloud, str], None]] = {
    "card issuance": card_issuance,
    "transfer": transfer,
    "money request": money_request,
    "top-up": top_up,
    "pay mobile": bill_payment("mobile", "MTS", "+375 29 123-45-67"),
    "pay utilities": bill_payment("utilities", "Minskenergosbyt", "123456789"),
    "pay tv": bill_payment("tv", "ZALA", "123456789012"),
    "pay internet": bill_payment("internet", "byfly", "1234567890"),
    "pay transport": bill_payment("transport", "Minsk transport card", "1234567890"),
    "plastic card": plastic_card,
    "balance": card_balance,
    "block and unblock": block_and_unblock,
    "requisites": requisites,
    "pin page": pin_page,
    "password page": password_page,
    "sign-in": sign_in,
    "referral": referral,
}


# Found by the matrix and not fixed yet (strict: the cell fails the suite once the journey works, so that
# the mark goes with the fix): on Messenger, "Invite a friend" answers "the service is unavailable".
@pytest.mark.parametrize("messenger", MESSENGERS)
@pytest.mark.parametrize("journey", JOURNEYS)
def test_journey(cloud: LocalCloud, journey: str, messenger: str) -> None:
    JOURNEYS[journey](cloud, messenger)
