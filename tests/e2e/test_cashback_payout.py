"""The month's cashback paid, through the whole local cloud on Telegram: a new customer's card buys at a partner
(Burger King, 7 %) and at a grocery (2 %) through the sandbox's card network, part of the partner purchase is
refunded; the payout journey is started for the month (as `make cashback-payout` starts it: the local cloud
runs no schedules); the customer reads the cashback notice with its receipt picture, the balance grew by exactly
the month's net cashback, paid from the bank's cashback account; a second start pays and says nothing more;
every ledger total holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from local.cashback_payout import start_payout
from local.cloud.cloud import LocalCloud
from local.sandbox.ledger import CASHBACK, EQUITY
from messenger_bank.conversation.catalogue import text
from messenger_bank.programs.cashback import month_words
from messenger_bank.programs.terms import programs
from tests.e2e.driver import Chat, Person, onboard, since

pytestmark = pytest.mark.e2e

FUNDS = 5_000  # 50.00 BYN put on the card before shopping
MACHINE = "CashbackPayoutStateMachine"
FAST_FOOD, GROCERIES = text("cashback.category.fast_food", "ru"), text("cashback.category.groceries", "ru")


def network(cloud: LocalCloud, path: str, key: str, **body: Any) -> dict[str, Any]:
    """A merchant's terminal at the card network (the sandbox): a purchase, or a purchase's refund."""
    answer = httpx.post(
        f"{cloud.sandbox.urls['network']}{path}", json=body, headers={"Idempotency-Key": key}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def payout(cloud: LocalCloud, month: str) -> dict[str, Any]:
    assert cloud.stack is not None
    return start_payout(cloud.client("stepfunctions"), cloud.stack.state_machines[MACHINE], month)


def told_of_payout(cloud: LocalCloud, chat: Any, before: int, run: dict[str, Any], timeout_s: float = 30) -> Any:
    """The month's cashback notice in the chat; when it is not there, what the run did for each customer (its
    output and its result files: each child's outcome, or its error), so that a failure says where it was lost."""
    try:
        return since(chat, before, "Кэшбэк за", timeout_s=timeout_s)
    except AssertionError as missing:
        s3 = cloud.client("s3")
        output = json.loads(run.get("output") or "{}")
        where = output.get("results") or {}
        folder = str(where.get("Key", "")).rsplit("/", 1)[0]
        found = []
        if folder:
            for item in s3.list_objects_v2(Bucket=where["Bucket"], Prefix=folder).get("Contents", []):
                found.append(
                    f"{item['Key']}: {s3.get_object(Bucket=where['Bucket'], Key=item['Key'])['Body'].read()!r}"
                )
        raise AssertionError(f"{missing}\nthe run: {output}\n" + "\n".join(found)) from None


def test_the_months_cashback_is_paid_into_the_card_once_and_told_with_a_picture(cloud: LocalCloud) -> None:
    person = Person()
    chat = Chat(cloud, "telegram", f"79{person.number:06d}", phone=person.phone)
    onboard(chat, person)
    chat.wait_for("карта готова")
    bank = cloud.sandbox.bank
    customer = bank.find_customer_by_personal_number(person.personal_id)
    assert customer is not None
    (card,) = bank.cards_of(customer["id"])
    with bank.write() as db:
        bank.post(db, "bonus", [(EQUITY, -FUNDS), (card["account_id"], FUNDS)], FUNDS, reference="pocket money")

    # Burger King's 7 % of 12.50 is 0.87; the grocery's 2 % of 20.00 is 0.40; 5.00 of Burger King back: −0.35.
    before = len(chat.messages())
    burger = network(
        cloud, "/network/purchases", f"bk-{person.number}",
        card_id=card["id"], amount_minor=1_250, currency="BYN", mcc="5814", merchant="Burger King Nemiga",
    )  # fmt: skip
    since(chat, before, "Burger King Nemiga")
    before = len(chat.messages())
    network(
        cloud, "/network/purchases", f"ev-{person.number}",
        card_id=card["id"], amount_minor=2_000, currency="BYN", mcc="5411", merchant="Evroopt",
    )  # fmt: skip
    since(chat, before, "Evroopt")
    before = len(chat.messages())
    network(cloud, f"/network/purchases/{burger['purchase_id']}/refund", f"bk-back-{person.number}", amount_minor=500)
    since(chat, before, "0,35")
    spent = bank.balance(card["account_id"])
    assert spent == FUNDS - 1_250 - 2_000 + 500

    month = programs().month_of(datetime.now(UTC))
    before = len(chat.messages())
    first = payout(cloud, month)

    assert first["status"] == "SUCCEEDED", first
    told = told_of_payout(cloud, chat, before, first)
    assert told["text"] == text(
        "cashback.paid",
        "ru",
        month=month_words(month, "ru"),
        amount="0,92\u00a0BYN",
        categories=f"{FAST_FOOD}: 0,52\u00a0BYN, {GROCERIES}: 0,40\u00a0BYN",
    )
    assert chat.wait_for_picture(after=before)["media"], "no receipt picture"
    assert bank.balance(card["account_id"]) == spent + 92
    (credit,) = [op for op in bank.history(card["account_id"], 20) if op["reference"] == f"cashback {month}"]
    assert credit["amount"] == 92

    # The machine started again for the month (a re-drive, a second schedule): nothing is paid or said.
    mark = chat.mark()
    second = payout(cloud, month)
    assert second["status"] == "SUCCEEDED", second
    assert chat.barrier(mark).replies == []
    assert bank.balance(card["account_id"]) == spent + 92

    totals = cloud.sandbox.ledger()
    # Another module may share this cloud and hold an account in its credit line: the invariant is the limit.
    assert (totals["total"], totals["unbalanced_operations"], totals["accounts_over_limit"]) == (0, 0, [])
    assert totals["internal"][CASHBACK] <= -92  # paid from the bank's cashback expense (others' cashback too)
