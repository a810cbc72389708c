"""Authorization and clearing apart, through the whole local cloud, on Telegram: a merchant's terminal has the
card network (the sandbox) authorize a purchase; core banking holds the amount and tells the bank, and the
customer reads a notice with the hold and what is available, and sees the hold in the balance; the clearing
comes for another amount (a tip) and is told with the cashback of the cleared amount; a second authorization
is reversed and its hold released and told; nothing of a hold ever reaches the ledger's totals."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from local.sandbox.ledger import EQUITY
from messenger_bank.conversation.catalogue import text
from tests.e2e.driver import Chat, Person, onboard, since
from tests.e2e.test_credit_line import shown_balance
from tests.e2e.test_journeys import in_russian
from tests.e2e.test_purchases import accruals_of

pytestmark = pytest.mark.e2e

FUNDS = 5_000  # 50.00 BYN put on the card before shopping


def network(cloud: LocalCloud, path: str, key: str, body: dict[str, Any]) -> httpx.Response:
    """A merchant's terminal (or its acquirer) calls the card network."""
    return httpx.post(
        f"{cloud.sandbox.urls['network']}/network/{path}", json=body, headers={"Idempotency-Key": key}, timeout=30
    )


def test_a_hold_is_told_and_shown_then_cleared_for_another_amount_and_a_reversal_releases(cloud: LocalCloud) -> None:
    # A debit card (Cerberus refuses this surname a credit line): what is available is its own funds less holds.
    person = Person(surname="Debtor")
    chat = Chat(cloud, "telegram", f"79{person.number:06d}", phone=person.phone)
    onboard(chat, person)
    chat.wait_for("карта готова")
    bank = cloud.sandbox.bank
    customer = bank.find_customer_by_personal_number(person.personal_id)
    assert customer is not None
    (card,) = bank.cards_of(customer["id"])
    account = card["account_id"]
    with bank.write() as db:
        bank.post(db, "bonus", [(EQUITY, -FUNDS), (account, FUNDS)], FUNDS, reference="pocket money")
    operations = len(bank.history(account, 100))
    purchase = {"card_id": card["id"], "currency": "BYN"}

    # Dinner at a partner, authorized for 20.00: held, told, nothing posted.
    before = len(chat.messages())
    dinner = network(
        cloud,
        "authorizations",
        f"bk-{person.number}",
        {**purchase, "amount_minor": 2_000, "mcc": "5814", "merchant": "Burger King Nemiga"},
    )
    assert dinner.status_code == 200, dinner.text
    told = since(chat, before, "Burger King Nemiga")
    assert told["text"] == text(
        "purchase.held", "ru", amount=in_russian(2_000), merchant="Burger King Nemiga", available=in_russian(3_000)
    )
    assert (bank.balance(account), bank.holds(account)) == (FUNDS, 2_000)
    assert len(bank.history(account, 100)) == operations

    # The balance shows the hold beside the money, and what is available without it.
    shown = shown_balance(chat)
    held = text("card_services.with_holds", "ru", balance=in_russian(FUNDS), held=in_russian(2_000))
    assert f"Баланс: {held}\nДоступно: {in_russian(3_000)}" in shown

    # Fuel, authorized for 15.00 (a second hold).
    before = len(chat.messages())
    fuel = network(
        cloud,
        "authorizations",
        f"fuel-{person.number}",
        {**purchase, "amount_minor": 1_500, "mcc": "5541", "merchant": "Shell Partizansky"},
    )
    assert fuel.status_code == 200, fuel.text
    since(chat, before, "Shell Partizansky")

    # The dinner clears at 23.00 (a tip): posted for 23.00, cashback at Burger King's 7 % of 23.00 = 1.61.
    before = len(chat.messages())
    cleared = network(
        cloud,
        f"authorizations/{dinner.json()['authorization_id']}/clearing",
        f"bk-clear-{person.number}",
        {"amount_minor": 2_300},
    )
    assert cleared.status_code == 200, cleared.text
    told = since(chat, before, "Burger King Nemiga")
    assert told["text"] == text(
        "purchase.cleared",
        "ru",
        amount=in_russian(2_300),
        merchant="Burger King Nemiga",
        available=in_russian(FUNDS - 2_300 - 1_500),
        cashback=in_russian(161),
    )
    assert (bank.balance(account), bank.holds(account)) == (FUNDS - 2_300, 1_500)

    # The fuel station reverses its authorization: the hold is released and told, nothing posted.
    before = len(chat.messages())
    reversed_ = network(
        cloud, f"authorizations/{fuel.json()['authorization_id']}/reversal", f"fuel-rev-{person.number}", {}
    )
    assert reversed_.status_code == 200, reversed_.text
    told = since(chat, before, "Shell Partizansky")
    assert told["text"] == text(
        "purchase.released.reversed",
        "ru",
        amount=in_russian(1_500),
        merchant="Shell Partizansky",
        available=in_russian(FUNDS - 2_300),
    )
    assert (bank.balance(account), bank.holds(account)) == (FUNDS - 2_300, 0)
    assert f"Баланс: {in_russian(FUNDS - 2_300)}\n" in shown_balance(chat)

    # Cashback only on the clearing; the holds and the release are kept (told once), earning nothing.
    accrued = sorted((str(a["kind"]), int(a["cashback_minor"])) for a in accruals_of(cloud, card["id"]))
    assert accrued == [
        ("authorization_held", 0),
        ("authorization_held", 0),
        ("authorization_released", 0),
        ("purchase_cleared", 161),
    ]
    assert len(bank.history(account, 100)) == operations + 1  # the clearing alone moved money
    totals = cloud.sandbox.ledger()
    # Another module may share this cloud and hold an account in its credit line: the invariant is the limit.
    assert (totals["total"], totals["unbalanced_operations"], totals["accounts_over_limit"]) == (0, 0, [])
    assert totals["accounts_over_available"] == []
