"""Sending money to any card number, through the whole local cloud: the card number typed in the chat
(tokenised, its message deleted where the platform allows), the quote with its fee, the Confirm button
that completes the transfer journey's task token, the bank sandbox's debit and credit (or refund), and
the receipt picture on the fake messenger."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from local.cloud.cloud import LocalCloud
from messenger_bank.banking import service as bank
from messenger_bank.banking.models.core import CreditRequest
from messenger_bank.security.cards import find_pans
from tests.e2e.driver import Chat, Person, ended_journeys, journey_history, journeys_of, onboard
from tests.e2e.test_card_issuance import chat_for
from tests.integration.banking.conftest import Clients

pytestmark = pytest.mark.e2e

RECIPIENT_PAN = "4111 1111 1111 1111"  # another bank's card: the credit leaves through BANK-INTERBANK
REFUSED_PAN = "4000 0000 0000 0002"  # the other bank refuses credits to it: the journey refunds
FUNDS = 100_000  # 1 000.00 BYN


def account_of(cloud: LocalCloud, person: Person) -> str:
    customer = cloud.sandbox.bank.find_customer_by_phone(person.phone)
    assert customer is not None, "onboarding did not reach the bank"
    return str(cloud.sandbox.bank.cards_of(customer["id"])[0]["account_id"])


def balance(cloud: LocalCloud, account_id: str) -> int:
    return int(cloud.sandbox.bank.balance(account_id))


def funded_customer(
    cloud: LocalCloud, channel: str, amount: int = FUNDS, person: Person | None = None
) -> tuple[Chat, str]:
    """A new customer with a digital card and `amount` on it (a bonus credit at the bank); the card has the
    credit line Cerberus scores for `person` (anyone: the high limit; surname ``Debtor``: none)."""
    person = person or Person()
    chat = chat_for(cloud, channel, person)
    onboard(chat, person)
    chat.wait_for("карта готова")
    account = account_of(cloud, person)
    if amount:
        bank.credit(
            CreditRequest(
                account_id=account,
                source="bonus",
                amount=amount,
                currency="BYN",
                idempotency_key=f"e2e-fund-{account}",
            ),
            core=Clients(cloud.sandbox).core,
        )
    return chat, account


def ask_to_send(chat: Chat, pan: str, amount: str) -> list[dict[str, Any]]:
    chat.say("перевод")
    chat.say(pan)
    return chat.say(amount)


def transfer_executions(cloud: LocalCloud, chat: Chat) -> list[dict[str, Any]]:
    """This chat's transfer executions, once none of them is still running."""
    return ended_journeys(cloud, "TransferStateMachine", chat)


def operations(cloud: LocalCloud, account_id: str) -> list[str]:
    return [str(op["kind"]) for op in cloud.sandbox.bank.history(account_id, 50)]


def test_a_customer_sends_money_to_another_banks_card_and_gets_a_receipt(cloud: LocalCloud) -> None:
    """Another bank's card (to a customer of ours, on each messenger: test_journeys.py)."""
    channel = "telegram"
    chat, account = funded_customer(cloud, channel)

    shown = ask_to_send(chat, RECIPIENT_PAN, "50")
    confirm = shown[-1]["text"]
    assert "411111******1111" in confirm
    assert "1.00 BYN" in confirm and "51.00 BYN" in confirm  # the fee (1 %, at least 1.00) and the total
    chat.press("Подтвердить")
    receipt = chat.wait_for("Перевод выполнен")

    assert any(m["media"] for m in chat.messages()), "no receipt picture"
    assert "51.00 BYN" in receipt["text"]
    assert balance(cloud, account) == FUNDS - 5_100
    assert operations(cloud, account).count("debit") == 1
    (execution,) = transfer_executions(cloud, chat)
    assert execution["status"] == "SUCCEEDED"
    # Another bank's card: nobody of ours to tell, and the transfer completes all the same.
    assert json.loads(execution["output"])["recipient"] == {"outcome": "not_our_customer", "delivered": 0}
    # The card number was never echoed, and on Telegram its message is gone from the chat.
    typed = [
        m.to_json()
        for m in cloud.platforms.store.conversation(channel, chat.chat_id)
        if m.sender == "user" and m.text and "4111" in m.text
    ]
    if channel == "telegram":
        assert typed and all(m["deleted"] for m in typed)
    assert "4111 1111 1111 1111" not in chat.texts() and "4111111111111111" not in chat.texts()


def test_a_double_press_on_confirm_moves_the_money_once(cloud: LocalCloud) -> None:
    chat, account = funded_customer(cloud, "telegram")
    ask_to_send(chat, RECIPIENT_PAN, "20")
    payload = chat.button("Подтвердить")

    chat.act(lambda: chat._send("button", payload=payload))
    # The second tap left the phone before Telegram took the answered message's buttons away.
    chat.act(lambda: chat._send("button", payload=payload, force=True))
    chat.wait_for("Перевод выполнен")

    assert [e["status"] for e in transfer_executions(cloud, chat)] == ["SUCCEEDED"]
    assert balance(cloud, account) == FUNDS - 2_100
    assert operations(cloud, account).count("debit") == 1


def test_insufficient_funds_are_explained_before_anything_moves(cloud: LocalCloud) -> None:
    # A debit card (the scoring refused a credit line): 10.00 of its own is all it can spend.
    chat, account = funded_customer(cloud, "telegram", amount=1_000, person=Person(surname="Debtor"))

    shown = ask_to_send(chat, RECIPIENT_PAN, "50")

    assert any("недостаточно" in (m["text"] or "") for m in shown)
    assert journeys_of(cloud, "TransferStateMachine", chat) == []  # the refusal is the turn's reply
    assert balance(cloud, account) == 1_000
    assert operations(cloud, account) == ["credit"]


def test_a_credit_the_other_bank_refuses_is_refunded_and_the_customer_told(cloud: LocalCloud) -> None:
    chat, account = funded_customer(cloud, "whatsapp")
    ask_to_send(chat, REFUSED_PAN, "30")

    chat.press("Подтвердить")
    chat.wait_for("вернулись на вашу карту")

    assert balance(cloud, account) == FUNDS
    assert sorted(operations(cloud, account)) == ["credit", "debit", "refund"]
    assert [e["status"] for e in transfer_executions(cloud, chat)] == ["FAILED"]


def test_no_full_card_number_is_kept_by_the_platforms_or_the_executions(cloud: LocalCloud) -> None:
    chat, _ = funded_customer(cloud, "telegram")
    ask_to_send(chat, RECIPIENT_PAN, "10")
    chat.press("Подтвердить")
    chat.wait_for("Перевод выполнен")

    said_by_bot = json.dumps(
        [r.to_json() for r in cloud.platforms.store.records]
        + [
            m.to_json()
            for messages in cloud.platforms.store.conversations.values()
            for m in messages
            if m.sender == "bot"
        ],
        ensure_ascii=False,
        default=str,
    )
    history = json.dumps(journey_history(cloud), ensure_ascii=False)

    for pan in ("4111111111111111", "4000000000000002"):
        for where, kept in (("the platforms", said_by_bot), ("the executions", history)):
            found = written_out(pan).search(kept)
            at = found.start() if found else -1
            assert found is None, f"{where} keep a card number: ...{kept[max(0, at - 400) : at + 100]}..."


def written_out(pan: str) -> re.Pattern[str]:
    """The number as a person or a template might write it: grouped by spaces or dashes, and not part of a
    longer run of digits (an IBAN such as BY63 MBNK 3014 0000 0000 0000 0020 holds 4000000000000002)."""
    return re.compile(r"(?<!\d)(?<!\d[\s\u00a0-])" + r"[\s\u00a0-]*".join(pan) + r"(?![\s\u00a0-]*\d)")


def bank_card(cloud: LocalCloud, chat: Chat) -> dict[str, Any]:
    """The bank's record of the chat's customer's card (the sandbox keeps the number: the test types it)."""
    customer = cloud.sandbox.bank.find_customer_by_phone(chat.user["phone"])
    assert customer is not None, "onboarding did not reach the bank"
    return dict(cloud.sandbox.bank.cards_of(customer["id"])[0])


def grouped(pan: str) -> str:
    return " ".join(pan[i : i + 4] for i in range(0, len(pan), 4))


def test_a_customer_of_ours_who_receives_a_transfer_is_told_in_their_chat(cloud: LocalCloud) -> None:
    sender, sender_account = funded_customer(cloud, "telegram")
    recipient, recipient_account = funded_customer(cloud, "viber", amount=0)
    recipients_card, senders_card = bank_card(cloud, recipient), bank_card(cloud, sender)

    ask_to_send(sender, grouped(recipients_card["pan"]), "25")
    sender.press("Подтвердить")
    sender.wait_for("Перевод выполнен")
    notice = recipient.wait_for("Вам пришёл перевод")

    senders_mask = f"{senders_card['pan'][:6]}******{senders_card['pan'][-4:]}"
    assert "25.00 BYN" in notice["text"] and senders_mask in notice["text"]
    assert find_pans(recipient.texts()) == [] and senders_card["pan"] not in recipient.texts()
    # The money moved once: the fee (1.00 BYN, the minimum) stays with the bank.
    assert balance(cloud, sender_account) == FUNDS - 2_600
    assert balance(cloud, recipient_account) == 2_500
    assert operations(cloud, sender_account).count("debit") == 1
    assert operations(cloud, recipient_account) == ["credit"]
    # The recipient's history names the sender's card, not their own.
    assert [op["counterparty"] for op in cloud.sandbox.bank.history(recipient_account, 10)] == [senders_mask]
    (execution,) = transfer_executions(cloud, sender)
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["recipient"] == {"outcome": "told", "delivered": 1}
    # The journey has ended (the barrier for what it sends): the recipient was told once.
    assert sum("Вам пришёл перевод" in str(m.get("text") or "") for m in recipient.messages()) == 1


def log_records(cloud: LocalCloud, function: str) -> list[dict[str, Any]]:
    path = cloud.logs.directory / f"messenger-bank-{function}.log"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_the_debit_and_the_credit_log_under_the_id_of_the_turn_that_confirmed_them(cloud: LocalCloud) -> None:
    chat, _ = funded_customer(cloud, "telegram")
    ask_to_send(chat, RECIPIENT_PAN, "15")
    payload = chat.button("Подтвердить")
    sent: dict[str, Any] = {}

    def press() -> dict[str, Any]:
        sent.update(chat._send("button", payload=payload))
        return sent

    chat.act(press)
    chat.wait_for("Перевод выполнен")
    (execution,) = transfer_executions(cloud, chat)

    # The press's id as the webhook logged it when it queued the update (not derived here from the update id).
    update_id = sent["body"]["update_id"]
    (confirming,) = {
        r["correlation_id"]
        for r in log_records(cloud, "TelegramWebhookFunction")
        if str(r.get("update_id")) == str(update_id)
    }
    started_under = json.loads(execution["input"])["correlation_id"]
    assert confirming != started_under  # the journey was started by an earlier turn: the check tells them apart
    for function in ("TransferDebitFunction", "TransferCreditFunction"):
        done = [r for r in log_records(cloud, function) if r.get("message") == "operation done"]
        assert confirming in {r.get("correlation_id") for r in done}, function
