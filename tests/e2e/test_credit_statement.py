"""The month's credit statement sent by the bank, through the whole local cloud on Telegram: a newcomer's card
comes with the scored credit line, a purchase through the sandbox's card network spends into it, and the
statement journey is started for the month (as `make credit-statement` starts it: the local cloud runs no
schedules); the chat is told the amount due, the minimum payment and its date in the card menu's words, with
the statement's PDF carrying the same figures, once; a second start sends nothing more; every ledger total holds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from local.credit_statement import MACHINE, start_statements
from local.sandbox.ledger import mask_pan
from messenger_bank.conversation.catalogue import text
from tests.e2e.driver import Person, onboard, since
from tests.e2e.test_card_issuance import chat_for
from tests.e2e.test_credit_line import ledger_holds
from tests.e2e.test_history import document_after
from tests.e2e.test_journeys import in_russian
from tests.e2e.test_purchases import buy

pytestmark = pytest.mark.e2e

SPENT = 30_000  # 300.00 BYN at a shop, all of it on credit
MINIMUM = 1_500  # 5 % of it, above the 10.00 floor
GRACE_DAYS = 25  # template.yaml CreditGraceDays' default


def statements(cloud: LocalCloud, month: str) -> dict[str, Any]:
    assert cloud.stack is not None
    return start_statements(cloud.client("stepfunctions"), cloud.stack.state_machines[MACHINE], month)


def test_the_months_statement_is_sent_to_the_chat_once_with_its_pdf(cloud: LocalCloud) -> None:
    person = Person()
    chat = chat_for(cloud, "telegram", person)
    onboard(chat, person)
    chat.wait_for("карта готова")
    bank = cloud.sandbox.bank
    customer = bank.find_customer_by_personal_number(person.personal_id)
    assert customer is not None
    (card,) = bank.cards_of(customer["id"])

    before = len(chat.messages())
    bought = buy(
        cloud,
        f"monthly-statement-{person.number}",
        card_id=card["id"],
        amount_minor=SPENT,
        currency="BYN",
        mcc="5411",
        merchant="Hippo Market",
    )
    assert bought.status_code == 200, bought.text
    since(chat, before, "Hippo Market")

    # The month under way, named as operations would name it: its statement so far (the purchase is today's).
    today = datetime.now(UTC).date()
    month = f"{today.year:04d}-{today.month:02d}"
    before = len(chat.messages())
    first = statements(cloud, month)

    assert first["status"] == "SUCCEEDED", first
    told = since(chat, before, "Минимальный платёж")
    answer = document_after(chat, before)
    last_day = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    due = (last_day + timedelta(days=GRACE_DAYS)).strftime("%d.%m.%Y")
    assert told["text"] == text(
        "card_services.statement_is",
        "ru",
        mask=mask_pan(card["pan"]),
        period=f"{today.replace(day=1):%d.%m.%Y} – {last_day:%d.%m.%Y}",
        amount_due=in_russian(SPENT),
        minimum=in_russian(MINIMUM),
        due_date=due,
        rate="24\u00a0%",
        late_fee=in_russian(500),
    )
    (document,) = [m for m in answer if m["kind"] in {"document", "url"}]
    url = (document["media"] or {}).get("url") or document["extra"].get("media")
    pdf = httpx.get(url, timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    shown = [found.decode() for found in re.findall(rb"\(([^()]*)\) Tj", pdf.content)]
    assert shown == ["300,00 BYN", "15,00 BYN", due]

    # The machine started again for the month (a re-drive, a second start): nothing more is sent.
    mark = chat.mark()
    second = statements(cloud, month)
    assert second["status"] == "SUCCEEDED", second
    assert chat.barrier(mark).replies == []
    sent = [m for m in chat.messages()[before:] if "Минимальный платёж" in str(m.get("text") or "")]
    assert len(sent) == 1
    ledger_holds(cloud)
