"""A card with a credit line, through the whole local cloud: a newcomer's card is issued with the limit
Cerberus's scoring grants and the card-issued message tells it; the balance shows own funds and the credit
unused of the limit; a transfer spends into the credit; a top-up on the acquirer's page repays the debt
first and its receipt says how much did; and every ledger total holds all along."""

from __future__ import annotations

from typing import Any

import pytest

from local.cloud.cloud import LocalCloud
from local.sandbox.cerberus import CREDIT_LIMIT_HIGH
from messenger_bank.conversation.catalogue import text
from tests.e2e.driver import Chat, Person, ended_journeys, onboard
from tests.e2e.test_card_issuance import chat_for
from tests.e2e.test_journeys import in_russian, new_since, to_card_services
from tests.e2e.test_payments import acquirer_calls_back, pay_on_the_acquirers_page, start_topup
from tests.e2e.test_sign_in import after
from tests.e2e.test_transfers import RECIPIENT_PAN, account_of, ask_to_send, balance, bank_card

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("acquirer_calls_back")]

__all__ = ["acquirer_calls_back"]  # the fixture, imported for this module's tests

CONFIRM = text("common.confirm", "ru")


def shown_balance(chat: Chat) -> str:
    """The balance as the bot shows it (card services, the only card picked by itself)."""
    to_card_services(chat)
    return str(after(chat, lambda: chat.press(text("card_services.balance", "ru")), "Баланс:")["text"])


def own_and_credit(own: int, unused: int) -> str:
    line = in_russian(CREDIT_LIMIT_HIGH)
    return text("card_services.own_and_credit", "ru", own=in_russian(own), unused=in_russian(unused), limit=line)


def ledger_holds(cloud: LocalCloud) -> dict[str, Any]:
    ledger = cloud.sandbox.ledger()
    assert ledger["total"] == 0 and ledger["unbalanced_operations"] == 0 and ledger["accounts_over_limit"] == []
    return ledger


@pytest.mark.parametrize("messenger", ["telegram", "viber"])
def test_a_newcomer_spends_into_the_credit_line_and_a_top_up_repays_it_first(cloud: LocalCloud, messenger: str) -> None:
    person = Person()
    chat = chat_for(cloud, messenger, person)

    # Issued with the scoring's limit, and told so.
    onboard(chat, person)
    issued = chat.wait_for("карта готова")
    assert text("issuance.credit_line", "ru", limit=in_russian(CREDIT_LIMIT_HIGH)) in str(issued["text"])
    account = account_of(cloud, person)
    assert balance(cloud, account) == 0

    # The balance: nothing of their own, the whole line unused, all of it available.
    first = shown_balance(chat)
    assert f"Баланс: {own_and_credit(0, CREDIT_LIMIT_HIGH)}" in first
    assert f"Доступно: {in_russian(CREDIT_LIMIT_HIGH)}" in first

    # A transfer of 50.00 (+1.00 fee) with no money of their own: all of it on credit.
    ask_to_send(chat, RECIPIENT_PAN, "50")
    # The confirmation, waited for wherever it lands: a late message of the issuance may take a turn's place
    # (a failure says everything the bot said).
    chat.wait_for("51.00 BYN")
    chat.press(CONFIRM)
    chat.wait_for("Перевод выполнен")
    assert [e["status"] for e in ended_journeys(cloud, "TransferStateMachine", chat)] == ["SUCCEEDED"]
    assert balance(cloud, account) == -5_100
    assert account in ledger_holds(cloud)["negative_customer_accounts"]
    in_credit = shown_balance(chat)
    assert f"Баланс: {own_and_credit(0, CREDIT_LIMIT_HIGH - 5_100)}" in in_credit
    assert f"Доступно: {in_russian(CREDIT_LIMIT_HIGH - 5_100)}" in in_credit

    # A top-up of 60.00 from another bank's card: 51.00 repays the credit, 9.00 is their own.
    before = len(chat.messages())
    payment_id = start_topup(chat, "60")
    pay_on_the_acquirers_page(cloud, payment_id)
    receipt = str(new_since(chat, before, "пополнена")["text"])
    mask = f"•• {bank_card(cloud, chat)['pan'][-4:]}"
    repaid_all = {"amount": "60.00 BYN", "repaid": "51.00 BYN", "credit_used": "0.00 BYN"}
    assert receipt == text("topup.done_repaid", "ru", mask=mask, **repaid_all)
    assert [e["status"] for e in ended_journeys(cloud, "TopUpStateMachine", chat)] == ["SUCCEEDED"]
    assert balance(cloud, account) == 900
    assert account not in ledger_holds(cloud)["negative_customer_accounts"]
    repaid = shown_balance(chat)
    assert f"Баланс: {own_and_credit(900, CREDIT_LIMIT_HIGH)}" in repaid
    assert f"Доступно: {in_russian(CREDIT_LIMIT_HIGH + 900)}" in repaid
