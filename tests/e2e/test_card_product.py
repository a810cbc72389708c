"""The whole card product as a newcomer meets it, through the whole local cloud, on two messengers: the card is
issued with the credit limit Cerberus's scoring grants and the card-issued message tells it; a first top-up on the
acquirer's page puts their own money on it; they buy at a partner (Burger King) and at a grocery through the
sandbox's card network, the second purchase spending past their own money into the credit line, and read each
purchase's notice with the cashback it earned; the balance shows own funds and the credit unused of the limit; the
month's cashback is paid by the payout journey (started as `make cashback-payout` starts it: the local cloud runs
no schedules) and told with its picture; a second top-up repays the credit first and says so; every ledger total
holds all along. Each figure is computed here from the amounts the test used and the programme's published rates,
not read back from the bank."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from local.cloud.cloud import LocalCloud
from local.sandbox.cerberus import CREDIT_LIMIT_HIGH
from messenger_bank.conversation.catalogue import text
from tests.e2e.driver import Chat, Person, ended_journeys, onboard, since
from tests.e2e.test_card_issuance import chat_for
from tests.e2e.test_cashback_payout import FAST_FOOD, GROCERIES, payout, told_of_payout
from tests.e2e.test_credit_line import ledger_holds, own_and_credit, shown_balance
from tests.e2e.test_journeys import in_russian
from tests.e2e.test_payments import acquirer_calls_back, pay_on_the_acquirers_page, start_topup
from tests.e2e.test_purchases import buy
from tests.e2e.test_transfers import account_of, balance, bank_card

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("acquirer_calls_back")]

__all__ = ["acquirer_calls_back"]  # the fixture, imported for this module's tests

LIMIT = CREDIT_LIMIT_HIGH  # Cerberus's documented limit for anyone not named Debtor or Refused
# The programme's published rates (programs/terms.yaml), written here as the customer is promised them.
BURGER_KING_PERCENT = 7  # the partner's rate for fast food
GROCERIES_PERCENT = 2  # the bank's own rate for groceries, at any merchant

FIRST_TOP_UP = 2_000  # 20.00 BYN of their own
AT_BURGER_KING = 1_250  # 12.50 BYN, all of it their own money
AT_THE_GROCERY = 2_000  # 20.00 BYN: the 7.50 left of their own, then 12.50 on credit
SECOND_TOP_UP = 3_000  # 30.00 BYN: repays what is still owed, the rest is their own
MINSK = timezone(timedelta(hours=3))  # the bank's months are Minsk's calendar months


def earned(amount: int, percent: int) -> int:
    """Cashback on a purchase: the rate of its amount, rounded down to the kopeck."""
    return amount * percent // 100


def on_receipt(minor: int) -> str:
    """An amount as a top-up receipt writes it: "20.00 BYN"."""
    roubles, kopecks = divmod(minor, 100)
    return f"{roubles}.{kopecks:02d} BYN"


def top_up(cloud: LocalCloud, chat: Chat, amount: int) -> str:
    """A top-up from another bank's card, paid on the acquirer's page; its receipt, once the journey has ended."""
    before = len(chat.messages())
    pay_on_the_acquirers_page(cloud, start_topup(chat, f"{amount // 100}"))
    receipt = str(since(chat, before, "пополнена", timeout_s=60)["text"])
    assert all(e["status"] == "SUCCEEDED" for e in ended_journeys(cloud, "TopUpStateMachine", chat))
    return receipt


def purchase_notice(cloud: LocalCloud, chat: Chat, card_id: str, key: str, amount: int, mcc: str, merchant: str) -> str:
    """A merchant's terminal buys through the card network; the notice the customer reads about it."""
    before = len(chat.messages())
    bought = buy(cloud, key, card_id=card_id, amount_minor=amount, currency="BYN", mcc=mcc, merchant=merchant)
    assert bought.status_code == 200, bought.text
    return str(since(chat, before, merchant)["text"])


@pytest.mark.parametrize("messenger", ["telegram", "viber"])
def test_a_newcomer_meets_the_whole_card_product(cloud: LocalCloud, messenger: str) -> None:
    person = Person()
    chat = chat_for(cloud, messenger, person)

    # Issued with the scoring's limit, and told so.
    onboard(chat, person)
    issued = chat.wait_for("карта готова")
    assert text("issuance.credit_line", "ru", limit=in_russian(LIMIT)) in str(issued["text"])
    account = account_of(cloud, person)
    card = bank_card(cloud, chat)
    mask = f"•• {card['pan'][-4:]}"
    assert balance(cloud, account) == 0

    # Their own money first: a top-up with nothing owed repays nothing and says nothing of credit.
    own = FIRST_TOP_UP
    assert top_up(cloud, chat, FIRST_TOP_UP) == text("topup.done", "ru", mask=mask, amount=on_receipt(own))
    assert balance(cloud, account) == own
    ledger_holds(cloud)

    # At a partner, on their own money: Burger King's rate.
    at_burger_king = earned(AT_BURGER_KING, BURGER_KING_PERCENT)
    own -= AT_BURGER_KING
    told = purchase_notice(cloud, chat, card["id"], f"bk-{person.number}", AT_BURGER_KING, "5814", "Burger King Nemiga")
    assert told == text(
        "purchase.cleared",
        "ru",
        amount=in_russian(AT_BURGER_KING),
        merchant="Burger King Nemiga",
        available=in_russian(own + LIMIT),
        cashback=in_russian(at_burger_king),
    )

    # At a grocery, past their own money into the credit line: the bank's groceries rate.
    at_the_grocery = earned(AT_THE_GROCERY, GROCERIES_PERCENT)
    owed = AT_THE_GROCERY - own
    assert owed > 0, "the second purchase must spend into the credit line"
    told = purchase_notice(cloud, chat, card["id"], f"ev-{person.number}", AT_THE_GROCERY, "5411", "Evroopt")
    assert told == text(
        "purchase.cleared",
        "ru",
        amount=in_russian(AT_THE_GROCERY),
        merchant="Evroopt",
        available=in_russian(LIMIT - owed),
        cashback=in_russian(at_the_grocery),
    )
    assert balance(cloud, account) == -owed
    assert account in ledger_holds(cloud)["negative_customer_accounts"]
    in_credit = shown_balance(chat)
    assert f"Баланс: {own_and_credit(0, LIMIT - owed)}" in in_credit
    assert f"Доступно: {in_russian(LIMIT - owed)}" in in_credit

    # The month's cashback, paid by the payout journey and told with its picture, largest category first.
    today = datetime.now(MINSK)
    cashback = at_burger_king + at_the_grocery
    before = len(chat.messages())
    run = payout(cloud, f"{today:%Y-%m}")
    assert run["status"] == "SUCCEEDED", run
    told_paid = told_of_payout(cloud, chat, before, run, timeout_s=60)
    assert told_paid["text"] == text(
        "cashback.paid",
        "ru",
        month=f"{today:%m.%Y}",
        amount=in_russian(cashback),
        categories=f"{FAST_FOOD}: {in_russian(at_burger_king)}, {GROCERIES}: {in_russian(at_the_grocery)}",
    )
    assert chat.wait_for_picture(after=before)["media"], "no cashback picture"
    owed -= cashback
    assert balance(cloud, account) == -owed
    # Started again for the month (a second schedule, a re-drive): nothing more is paid or said.
    mark = chat.mark()
    assert payout(cloud, f"{today:%Y-%m}")["status"] == "SUCCEEDED"
    assert chat.barrier(mark).replies == []
    assert balance(cloud, account) == -owed
    ledger_holds(cloud)

    # A second top-up repays what is still owed first, says so, and the rest is their own.
    repaid = text(
        "topup.done_repaid",
        "ru",
        mask=mask,
        amount=on_receipt(SECOND_TOP_UP),
        repaid=on_receipt(owed),
        credit_used=on_receipt(0),
    )
    assert top_up(cloud, chat, SECOND_TOP_UP) == repaid
    own = SECOND_TOP_UP - owed
    assert balance(cloud, account) == own
    assert account not in ledger_holds(cloud)["negative_customer_accounts"]
    repaid_balance = shown_balance(chat)
    assert f"Баланс: {own_and_credit(own, LIMIT)}" in repaid_balance
    assert f"Доступно: {in_russian(own + LIMIT)}" in repaid_balance
