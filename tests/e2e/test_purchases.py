"""Card purchases through the whole local cloud, on Telegram: a new customer's card, listed by the sandbox's
card network, buys at a partner (Burger King) and elsewhere; core banking pushes each event to POST
/internal/card-events and the customer reads each notice with what is available and the cashback earned; a
declined purchase is told with its reason; the same event delivered again says and accrues nothing more;
every ledger total holds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from local.sandbox.ledger import EQUITY
from messenger_bank.conversation.catalogue import text
from tests.e2e.driver import Chat, Person, onboard, since

pytestmark = pytest.mark.e2e

FUNDS = 5_000  # 50.00 BYN put on the card before shopping


def buy(cloud: LocalCloud, key: str, **purchase: Any) -> httpx.Response:
    """A merchant's terminal asks the card network (the sandbox) to authorize and clear a purchase."""
    return httpx.post(
        f"{cloud.sandbox.urls['network']}/network/purchases",
        json=purchase,
        headers={"Idempotency-Key": key},
        timeout=30,
    )


def accruals_of(cloud: LocalCloud, card_id: str) -> list[dict[str, Any]]:
    """The bank's CASHBACK# rows of the card's purchases (the customers table)."""
    assert cloud.stack is not None
    items = cloud.client("dynamodb").scan(
        TableName=str(cloud.stack.physical["CustomersTable"]),
        FilterExpression="begins_with(sk, :p) AND card_id = :c",
        ExpressionAttributeValues={":p": {"S": "CASHBACK#"}, ":c": {"S": card_id}},
        ConsistentRead=True,
    )["Items"]
    return [{name: next(iter(value.values())) for name, value in item.items()} for item in items]


def test_purchases_are_told_with_the_cashback_and_a_decline_with_its_reason(cloud: LocalCloud) -> None:
    # A debit card (Cerberus refuses this surname a credit line), so the figures and the decline are its own funds'.
    person = Person(surname="Debtor")
    chat = Chat(cloud, "telegram", f"78{person.number:06d}", phone=person.phone)
    onboard(chat, person)
    chat.wait_for("карта готова")
    bank = cloud.sandbox.bank
    customer = bank.find_customer_by_personal_number(person.personal_id)
    assert customer is not None
    (card,) = bank.cards_of(customer["id"])
    listed = httpx.get(f"{cloud.sandbox.urls['network']}/network/cards", timeout=10).json()["cards"]
    (ours,) = [c for c in listed if c["card_id"] == card["id"]]
    assert ours["customer"] == customer["id"] and ours["masked"].endswith(card["pan"][-4:])
    with bank.write() as db:
        bank.post(db, "bonus", [(EQUITY, -FUNDS), (card["account_id"], FUNDS)], FUNDS, reference="pocket money")

    # At a partner: Burger King's 7 % of 12.50 is 87.5 kopecks, rounded down.
    before = len(chat.messages())
    bought = buy(
        cloud,
        f"bk-{person.number}",
        card_id=card["id"],
        amount_minor=1_250,
        currency="BYN",
        mcc="5814",
        merchant="Burger King Nemiga",
    )
    assert bought.status_code == 200, bought.text
    told = since(chat, before, "Burger King Nemiga")
    assert told["text"] == text(
        "purchase.cleared",
        "ru",
        amount="12,50\u00a0BYN",
        merchant="Burger King Nemiga",
        available="37,50\u00a0BYN",
        cashback="0,87\u00a0BYN",
    )

    # Elsewhere: groceries by MCC at the bank's 2 % of 20.00.
    before = len(chat.messages())
    assert (
        buy(
            cloud,
            f"ev-{person.number}",
            card_id=card["id"],
            amount_minor=2_000,
            currency="BYN",
            mcc="5411",
            merchant="Evroopt",
        ).status_code
        == 200
    )
    told = since(chat, before, "Evroopt")
    assert told["text"] == text(
        "purchase.cleared",
        "ru",
        amount="20,00\u00a0BYN",
        merchant="Evroopt",
        available="17,50\u00a0BYN",
        cashback="0,40\u00a0BYN",
    )

    # More than the card holds: declined, told with the reason, nothing moved.
    before = len(chat.messages())
    declined = buy(
        cloud,
        f"tv-{person.number}",
        card_id=card["id"],
        amount_minor=9_900,
        currency="BYN",
        mcc="5732",
        merchant="Electrosila",
    )
    assert (declined.status_code, declined.json()["error"]["code"]) == (422, "insufficient_funds")
    told = since(chat, before, "Electrosila")
    assert told["text"] == text(
        "purchase.declined.insufficient_funds",
        "ru",
        amount="99,00\u00a0BYN",
        merchant="Electrosila",
        available="17,50\u00a0BYN",
    )
    assert bank.balance(card["account_id"]) == 1_750

    # Core banking delivers the Burger King event again: nothing more is said or accrued.
    network = cloud.sandbox.network
    (cleared,) = [e for e in network.events if e["card_id"] == card["id"] and e["merchant"] == "Burger King Nemiga"]
    mark = chat.mark()
    assert network.deliver(network.events_url, cleared) is True
    assert chat.barrier(mark).replies == []

    accrued = sorted(int(a["cashback_minor"]) for a in accruals_of(cloud, card["id"]))
    assert accrued == [0, 40, 87]  # the decline is kept too (told once), earning nothing
    totals = cloud.sandbox.ledger()
    # Another module may share this cloud and hold an account in its credit line: the invariant is the limit.
    assert (totals["total"], totals["unbalanced_operations"], totals["accounts_over_limit"]) == (0, 0, [])
