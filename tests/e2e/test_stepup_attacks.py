"""The step-up policy for all money out, tried through the HTTP front as a thief holding an unlocked phone
with the chat open would (or anyone with the chat but not the SMS): small transfers that add up, a money
request or a bill payment once the free amount is spent, the daily limit across kinds, and a quote made
before other money went out. Each ends asking for the code or refused, and the bank sandbox's ledger
shows nothing moved without the code. The e2e cloud's amounts are small (conftest: 100.00 BYN a day
free of a code, 300.00 BYN a day at most); the sandbox texts random codes here, so only the phone's
owner can read one. Run with ``-s`` to see the cases."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from local.cloud.cloud import LocalCloud
from messenger_bank.conversation.catalogue import text
from tests.e2e.conftest import SPENDING_FREE_PER_DAY_MINOR, SPENDING_LIMIT_PER_DAY_MINOR
from tests.e2e.driver import Chat, Person, ended_journeys, random_codes_reported, waits_of
from tests.e2e.test_sign_in import CARD_PAGE, CARD_READY, MENU, SIGNED_IN, after, card_page
from tests.e2e.test_transfers import FUNDS, RECIPIENT_PAN, balance, bank_card, funded_customer, operations

pytestmark = pytest.mark.e2e

RU = "ru"
TRANSFER_CODE_ASKED = text("transfer.code", RU)
CODE_ASKED = text("common.code", RU)  # bill payments and money requests
TRANSFER_CODE_WRONG = text("transfer.code_wrong", RU)
CODE_WRONG = text("common.code_wrong", RU)
CODE_REQUIRED = text("common.code_required", RU)
DAILY_LIMIT = text("common.daily_limit", RU)
TRANSFER_DONE = "Перевод выполнен"
PAID = "Оплачено"
OUTCOMES: list[tuple[str, str]] = []


@pytest.fixture(scope="module", autouse=True)
def random_codes(cloud: LocalCloud) -> Iterator[None]:
    with random_codes_reported(cloud, "step-up attacks (e2e)", OUTCOMES):
        yield


def test_the_e2e_amounts_make_the_cases_cross_the_policys_lines() -> None:
    """The sums below are chosen against these amounts (and the transfer fee, 1.00 BYN at least)."""
    assert (SPENDING_FREE_PER_DAY_MINOR, SPENDING_LIMIT_PER_DAY_MINOR) == (10_000, 30_000)
    assert FUNDS > SPENDING_LIMIT_PER_DAY_MINOR  # never refused for want of money


# ---------------------------------------------------------------- moves in the chat
def to_menu(chat: Chat) -> None:
    after(chat, lambda: chat.say("меню"), MENU)


def said(replies: list[dict[str, Any]]) -> str:
    """A turn's replies as one text (a refusal is said, then the step asks again)."""
    return "\n".join(str(m.get("text") or "") for m in replies)


def quote_transfer(chat: Chat, amount: str) -> str:
    """A transfer of `amount` BYN to another bank's card, quoted: what the bot answered (Confirm, or why not)."""
    to_menu(chat)
    chat.say("перевод")
    chat.say(RECIPIENT_PAN)
    return said(chat.say(amount))


def parked(chat: Chat, task: str, timeout_s: float = 60) -> None:
    """Wait until the chat's journey waits for `task` (confirm, otp), as a person reading the prompt would:
    on a loaded machine a journey's cold start can take longer than the conversation redelivers a press."""
    end = time.monotonic() + timeout_s
    while not any(ref.endswith(f":{task}") for ref in waits_of(chat.cloud, chat)):
        if time.monotonic() > end:
            raise AssertionError(f"no journey of {chat.chat_key} waits for {task} after {timeout_s} s")
        time.sleep(0.2)


def confirm(chat: Chat, expect: str) -> dict[str, Any]:
    """Press Confirm once the journey waits for it; the bot's first new message containing `expect`."""
    parked(chat, "confirm")
    return after(chat, lambda: chat.press("Подтвердить"), expect, timeout_s=60)


def type_code(chat: Chat, code: str, expect: str) -> dict[str, Any]:
    """Type `code` once the journey waits for it."""
    parked(chat, "otp")
    return after(chat, lambda: chat.say(code), expect, timeout_s=60)


def transfer(chat: Chat, amount: str) -> None:
    """A transfer under the free amount: Confirm, and the receipt."""
    assert "Итого" in quote_transfer(chat, amount)
    confirm(chat, TRANSFER_DONE)


def quote_mobile_payment(chat: Chat, amount: str) -> str:
    to_menu(chat)
    chat.press("Оплатить")
    chat.press("Мобильная связь")
    chat.press("MTS")
    chat.say("+375 29 123-45-67")
    return said(chat.say(amount))


def texted_code(chat: Chat, texted_before: int) -> str:
    """The code texted to the customer's phone after `texted_before` texts (the journey sends it as it asks)."""
    phone = str(chat.user["phone"])
    deadline = 30.0
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        codes = chat.cloud.sandbox.bank.codes_sent_to(phone)
        if len(codes) > texted_before:
            return str(codes[-1])
        time.sleep(0.2)
    raise AssertionError(f"no code texted to {phone} in {deadline} s")


def texts_to(chat: Chat) -> int:
    return len(chat.cloud.sandbox.bank.codes_sent_to(str(chat.user["phone"])))


def a_wrong_code(chat: Chat) -> str:
    """A guess that is not the code texted (the thief does not hold the SIM)."""
    texted = set(chat.cloud.sandbox.bank.codes_sent_to(str(chat.user["phone"])))
    return next(guess for guess in ("000000", "111111", "123456") if guess not in texted)


def debits(cloud: LocalCloud, account: str) -> int:
    return sum(kind in ("debit", "bill_payment", "transfer") for kind in operations(cloud, account))


# ---------------------------------------------------------------- split transfers
def test_small_transfers_that_add_up_past_the_free_amount_ask_for_the_code_and_move_nothing_without_it(
    cloud: LocalCloud,
) -> None:
    chat, account = funded_customer(cloud, "telegram")
    transfer(chat, "40")  # 41.00 with the fee
    transfer(chat, "40")  # 82.00
    assert balance(cloud, account) == FUNDS - 8_200

    # The third, 30.00 + 1.00 on its own well under the free amount, takes the day past it.
    asked = quote_transfer(chat, "30")
    texted = texts_to(chat)
    confirm(chat, TRANSFER_CODE_ASKED)
    texted_code(chat, texted)  # the code went to the phone, not to the chat
    type_code(chat, a_wrong_code(chat), TRANSFER_CODE_WRONG)
    executions = ended_journeys(cloud, "TransferStateMachine", chat)

    assert "31.00 BYN" in asked
    assert sorted(e["status"] for e in executions) == ["FAILED", "SUCCEEDED", "SUCCEEDED"]
    assert balance(cloud, account) == FUNDS - 8_200
    assert operations(cloud, account).count("debit") == 2
    OUTCOMES.append(("telegram: 41 + 41 + 31 BYN transfers, the third with a wrong code", "code asked; nothing moved"))

    # The control: the customer, with the SMS, sends it.
    texted = texts_to(chat)
    quote_transfer(chat, "30")
    confirm(chat, TRANSFER_CODE_ASKED)
    type_code(chat, texted_code(chat, texted), TRANSFER_DONE)
    assert balance(cloud, account) == FUNDS - 8_200 - 3_100


def test_a_transfer_journey_left_at_the_code_moves_nothing(cloud: LocalCloud) -> None:
    chat, account = funded_customer(cloud, "telegram")
    transfer(chat, "90")  # 91.00

    quote_transfer(chat, "20")
    confirm(chat, TRANSFER_CODE_ASKED)
    parked(chat, "otp")
    to_menu(chat)  # the thief walks away from the code prompt
    executions = ended_journeys(cloud, "TransferStateMachine", chat)

    assert sorted(e["status"] for e in executions) == ["FAILED", "SUCCEEDED"]
    assert balance(cloud, account) == FUNDS - 9_100
    assert operations(cloud, account).count("debit") == 1
    OUTCOMES.append(("telegram: past the free amount, the code prompt left for the menu", "nothing moved"))


# ---------------------------------------------------------------- a money request as a bypass
def ask_for_money(requester: Chat, payer: Chat, amount: str) -> None:
    to_menu(requester)
    requester.press("Пополнить")
    requester.press("Попросить у друга")
    requester.say(str(payer.user["phone"]))
    requester.say(amount)
    after(requester, lambda: requester.press("Подтвердить"), "Я попросил")


def test_paying_a_money_request_after_the_free_amount_went_on_transfers_asks_for_the_code(
    cloud: LocalCloud,
) -> None:
    payer, payer_account = funded_customer(cloud, "telegram")
    requester, requester_account = funded_customer(cloud, "viber", amount=0)
    transfer(payer, "90")  # 91.00: 9.00 left free of a code
    # An accomplice asks the payer's chat for 20.00 - paid from the chat, it would leave without the SMS.
    ask_for_money(requester, payer, "20")
    payer.wait_for("просит у вас")
    requester_mark = requester.mark()

    after(payer, lambda: payer.press("💸"), "Перевести")
    texted = texts_to(payer)
    after(payer, lambda: payer.press("💸"), CODE_ASKED)
    texted_code(payer, texted)
    after(payer, lambda: payer.say(a_wrong_code(payer)), CODE_WRONG)
    since = requester.barrier(requester_mark)

    assert not any("перевёл вам" in t for t in since.texts)
    assert balance(cloud, payer_account) == FUNDS - 9_100
    assert balance(cloud, requester_account) == 0
    assert operations(cloud, payer_account).count("transfer") == 0
    assert operations(cloud, requester_account) == []
    OUTCOMES.append(("telegram: a 20 BYN money request after 91 BYN of transfers, wrong code", "code asked; not paid"))


# ---------------------------------------------------------------- bill payments count in the same day
def test_a_bill_payment_that_takes_the_day_past_the_free_amount_asks_for_the_code(cloud: LocalCloud) -> None:
    chat, account = funded_customer(cloud, "telegram")
    transfer(chat, "80")  # 81.00

    confirm = quote_mobile_payment(chat, "20")  # 101.00: one rouble past the free amount
    texted = texts_to(chat)
    after(chat, lambda: chat.press("Подтвердить"), CODE_ASKED)
    texted_code(chat, texted)
    type_code(chat, a_wrong_code(chat), CODE_WRONG)
    (payment,) = ended_journeys(cloud, "BillPaymentStateMachine", chat)

    assert "20.00 BYN" in confirm
    assert payment["status"] != "SUCCEEDED"
    assert balance(cloud, account) == FUNDS - 8_100
    assert operations(cloud, account).count("bill_payment") == 0
    OUTCOMES.append(("telegram: a 20 BYN bill payment after 81 BYN of transfers, wrong code", "code asked; not paid"))


# ---------------------------------------------------------------- the daily limit across kinds
def test_past_the_daily_limit_every_kind_is_refused_saying_so_even_with_the_code(cloud: LocalCloud) -> None:
    chat, account = funded_customer(cloud, "telegram")
    requester, requester_account = funded_customer(cloud, "viber", amount=0)
    # The customer's own day, with codes: 202.00 of transfers, 90.00 of a bill payment (292.00 of 300.00).
    texted = texts_to(chat)
    quote_transfer(chat, "200")
    confirm(chat, TRANSFER_CODE_ASKED)
    type_code(chat, texted_code(chat, texted), TRANSFER_DONE)
    texted = texts_to(chat)
    quote_mobile_payment(chat, "90")
    after(chat, lambda: chat.press("Подтвердить"), CODE_ASKED)
    type_code(chat, texted_code(chat, texted), PAID)
    assert balance(cloud, account) == FUNDS - 29_200

    refused = {
        "transfer 10.00 (+1.00)": quote_transfer(chat, "10"),
        "bill payment 9.00": quote_mobile_payment(chat, "9"),
    }
    ask_for_money(requester, chat, "9")
    chat.wait_for("просит у вас")
    after(chat, lambda: chat.press("💸"), "Перевести")
    refused["money request 9.00"] = said(chat.press("💸"))

    for kind, answer in refused.items():
        assert DAILY_LIMIT in answer, kind
    assert balance(cloud, account) == FUNDS - 29_200
    assert balance(cloud, requester_account) == 0
    assert sorted(operations(cloud, account)) == ["bill_payment", "credit", "debit"]
    OUTCOMES.append(
        ("telegram: 292 BYN spent, then a transfer, a bill payment, a money request", "refused: daily limit")
    )


# ---------------------------------------------------------------- a quote older than the day's spending
def second_chat(cloud: LocalCloud, first: Chat) -> Chat:
    """The same customer signed in on Viber too (their phone's code in the chat, then their card on the page)."""
    card = bank_card(cloud, first)
    ready = CARD_READY.search(first.texts())
    assert ready, "no card in the first chat"
    person = Person()
    chat = Chat(cloud, "viber", f"91{person.number:06d}", phone=str(first.user["phone"]))
    chat.say("привет", replies=2)
    after(chat, lambda: chat.press("Баланс"), "если вы уже клиент")
    after(chat, lambda: chat.press("Войти"), "Подтвердим, что это вы")
    texted = texts_to(chat)
    after(chat, chat.share_phone, "SMS с кодом")
    link = after(chat, lambda: chat.say(texted_code(chat, texted)), CARD_PAGE)
    assert card_page(cloud, chat, link, str(card["pan"]), ready[2]).status_code == 200  # the card, on the page
    after(chat, lambda: chat.press("Продолжить"), SIGNED_IN)
    return chat


def test_a_quote_made_before_other_money_went_out_is_refused_at_the_debit(cloud: LocalCloud) -> None:
    first, account = funded_customer(cloud, "telegram")
    second = second_chat(cloud, first)
    # Two quotes of 61.00 while nothing is spent: each alone is free of a code.
    first_quote = quote_transfer(first, "60")
    second_quote = quote_transfer(second, "60")
    assert "61.00 BYN" in first_quote and "61.00 BYN" in second_quote
    confirm(second, TRANSFER_DONE)

    # The older quote, confirmed now, would take the day to 122.00 without a code.
    confirm(first, CODE_REQUIRED)
    (stale,) = ended_journeys(cloud, "TransferStateMachine", first)

    assert stale["status"] == "FAILED"  # TellCodeRequired: the only path that says CODE_REQUIRED
    assert balance(cloud, account) == FUNDS - 6_100
    assert operations(cloud, account).count("debit") == 1
    (done,) = ended_journeys(cloud, "TransferStateMachine", second)  # its receipt may still be on its way
    assert done["status"] == "SUCCEEDED"
    OUTCOMES.append(("telegram + viber: two 61 BYN quotes, both confirmed", "the older refused at the debit"))
