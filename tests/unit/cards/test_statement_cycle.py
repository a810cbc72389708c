"""The month's credit statement sent by the bank (cards/statement_cycle.py): the month a run states, who gets
a statement (a credit line with an operation in the month, or anything due), once per customer and month
however often the run or its item is started, told to every chat with the PDF in the card menu's words; a
core banking failure or every chat refusing sends nothing and records nothing, so that a run again sends it.
Figures worked out by hand from the defaults (5 % minimum, floor 10.00, 25 days of grace, 24 % a year, 5.00)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from messenger_bank.banking.models.core import HistoryEntry, Statement
from messenger_bank.cards import statement_cycle
from messenger_bank.cards.models import (
    StatementItem,
    StatementRecord,
    StatementRun,
    StatementRunInput,
    StatementRunStart,
    StatementSent,
)
from messenger_bank.cards.repository import StatementsRepository
from messenger_bank.cards.settings import CreditTerms
from messenger_bank.cards.statement_cycle import StatementNotTold, send_statement
from messenger_bank.cards.statement_run import MonthNotStarted, month_before, month_of, month_to_state, statement_run
from messenger_bank.customers.models import ChannelIdentity
from messenger_bank.errors import BankSystemUnavailable
from messenger_bank.notices.models import Notified, NotifyRequest
from messenger_bank.notices.templates import notice
from tests.unit.cards.conftest import BUCKET, FakeCore, World

NBSP = "\u00a0"
STATEMENT_DAY = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 06:00 in Minsk on the 1st, when the schedule runs
NOVEMBER = "2026-11"
LIMIT, SPENT = 100_000, 30_000
PURCHASE = HistoryEntry(
    operation_id="op_1",
    kind="debit",
    amount=-SPENT,
    currency="BYN",
    counterparty="Hippo Market",
    created_at=datetime(2026, 11, 14, 12, 0, tzinfo=UTC),
)
# The card menu's words for November's statement of card 0100: 300.00 spent into the credit line.
DUE_VALUES = {
    "mask": "411111******0100",
    "period": "01.11.2026 – 30.11.2026",
    "amount_due": f"300,00{NBSP}BYN",
    "minimum": f"15,00{NBSP}BYN",
    "due_date": "25.12.2026",
    "rate": f"24{NBSP}%",
    "late_fee": f"5,00{NBSP}BYN",
}


@dataclass
class StatementCore(FakeCore):
    """Core banking's statements: a month is closed once the bank's clock (``today_month``) has left it;
    ``down`` answers as core banking does when it cannot be reached."""

    today_month: str = "2026-12"
    down: bool = False

    def statement(self, account_id: str, month: str) -> Statement:
        if self.down:
            raise BankSystemUnavailable("core banking did not answer")
        return super().statement(account_id, month).model_copy(update={"closed": month < self.today_month})


@dataclass
class Chats:
    """The customer's chats as notices.notify reaches them: each request kept; `refuse` raises like a
    messenger that is down, `unreachable` answers like a chat that blocked the bot."""

    told: list[NotifyRequest] = field(default_factory=list)
    refuse: bool = False
    unreachable: bool = False

    def tell(self, request: NotifyRequest) -> Notified:
        if self.refuse:
            raise ConnectionError("the messenger is down")
        self.told.append(request)
        if self.unreachable:
            return Notified(delivered=False, outcome="recipient_unavailable")
        return Notified(delivered=True, outcome="sent")


@dataclass
class Run:
    world: World
    core: StatementCore
    records: StatementsRepository
    chats: Chats
    customer_id: str

    def send(self, month: str = NOVEMBER, at: datetime = STATEMENT_DAY, **changed: Any) -> StatementSent:
        return send_statement(
            StatementItem(customer_id=self.customer_id, month=month),
            core=changed.pop("core", self.core),
            customers=self.world.customers,
            statements=changed.pop("statements", self.records),
            settings=self.world.settings,
            terms=CreditTerms(),
            s3_client=self.world.s3,
            tell=changed.pop("tell", self.chats.tell),
            clock=lambda: at,
        )

    def statements_asked(self) -> int:
        return sum(1 for name, _ in self.core.calls if name == "statement")


@pytest.fixture
def run(world: World) -> Run:
    """A customer with a credit line of 1,000.00 who spent 300.00 of it in November, one chat (Telegram)."""
    core = StatementCore()
    world.core = core
    customer_id, _ = world.customer(1, money=-SPENT)
    core.credit_limits["acc_1_0"] = LIMIT
    core.statement_debts["acc_1_0"] = SPENT
    core.entries["acc_1_0"] = [PURCHASE]
    return Run(world, core, StatementsRepository(world.customers.table), Chats(), customer_id)


def stored_pdfs(world: World) -> int:
    return len(world.s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


# --- which month ------------------------------------------------------------------------------------
def start(at: datetime = STATEMENT_DAY, **given: Any) -> StatementRunStart:
    return StatementRunStart(input=StatementRunInput(**given), started_at=at)


def test_the_schedule_states_the_month_that_ended() -> None:
    assert month_to_state(start(scheduled_at=STATEMENT_DAY)) == NOVEMBER


def test_the_schedule_in_january_states_the_december_before() -> None:
    assert month_to_state(start(scheduled_at=datetime(2027, 1, 1, 3, 0, tzinfo=UTC))) == "2026-12"


def test_the_schedules_time_in_minsk_is_the_same_moment() -> None:
    at = datetime.fromisoformat("2026-12-01T06:00:00+03:00")

    assert month_to_state(start(scheduled_at=at)) == NOVEMBER


@pytest.mark.parametrize(
    ("month", "before"),
    [("2026-12", "2026-11"), ("2027-01", "2026-12"), ("2026-02", "2026-01"), ("2026-10", "2026-09")],
)
def test_the_month_before(month: str, before: str) -> None:
    assert month_before(month) == before


def test_the_month_is_core_bankings_utc_month_whatever_the_machines_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Minsk")
    time.tzset()
    try:
        late_in_november = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)  # already 1 December in Minsk

        assert month_of(late_in_november) == NOVEMBER
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_without_a_schedules_time_the_start_tells_the_month() -> None:
    assert month_to_state(start(at=datetime(2026, 8, 1, 0, 0, tzinfo=UTC))) == "2026-07"


def test_a_month_named_is_stated_over_the_schedules_time() -> None:
    assert month_to_state(start(month="2026-09", scheduled_at=STATEMENT_DAY)) == "2026-09"


def test_the_month_under_way_may_be_named() -> None:
    assert month_to_state(start(month="2026-12")) == "2026-12"


def test_a_month_still_to_come_is_refused() -> None:
    with pytest.raises(MonthNotStarted):
        month_to_state(start(month="2027-01"))


def listed(world: World, run: StatementRun) -> tuple[str, ...]:
    """The run's customers as its Map reads them: the CSV object the step wrote (header ``customer_id``)."""
    body = world.s3.get_object(Bucket=run.customers.bucket, Key=run.customers.key)["Body"].read().decode()
    header, *rows = body.splitlines()
    assert header == "customer_id"
    assert run.customers.count == len(rows)
    return tuple(rows)


def listing(world: World, **changed: Any) -> StatementRun:
    return statement_run(start(**changed), customers=world.customers, bucket=BUCKET, s3_client=world.s3)


def test_the_run_lists_every_customer_with_a_card_once(world: World) -> None:
    first, _ = world.customer(2, cards=2)
    second, _ = world.customer(1)

    run = listing(world, scheduled_at=STATEMENT_DAY)

    assert (run.month, listed(world, run)) == (NOVEMBER, (second, first))
    assert run.customers.key.startswith(f"monthly-runs/credit-statement/{NOVEMBER}/")


def test_a_customer_without_a_card_is_not_listed(world: World) -> None:
    carded, _ = world.customer(1)
    world.customer(2, cards=0)

    assert listed(world, listing(world)) == (carded,)


# --- who gets one, and what it says -----------------------------------------------------------------
def test_a_credit_line_in_use_is_told_the_amount_due_the_minimum_and_its_date_with_the_pdf(run: Run) -> None:
    sent = run.send()

    assert (sent.outcome, sent.closed, sent.amount_due_minor, sent.chats_told) == ("sent", True, SPENT, 1)
    (told,) = run.chats.told
    assert (told.chat_key, told.language, told.message) == ("telegram:1", "ru", "card_services.statement_is")
    assert told.values == DUE_VALUES
    assert told.document_url is not None and BUCKET in told.document_url
    assert stored_pdfs(run.world) == 1
    assert ("statement", f"acc_1_0:{NOVEMBER}") in run.core.calls


def test_every_chat_of_the_customer_is_told_once(run: Run) -> None:
    run.world.customers.link_identity(run.customer_id, ChannelIdentity(channel="viber", user_id="v1", chat_id="v1"))

    sent = run.send()

    assert sorted(t.chat_key for t in run.chats.told) == ["telegram:1", "viber:v1"]
    assert sent.chats_told == 2


def test_the_statement_sent_is_recorded_with_its_amount_due(
    run: Run, emitted_metrics: Callable[[], dict[str, tuple[str, float]]]
) -> None:
    run.send()

    record = run.records.statement(run.customer_id, NOVEMBER, closed=True)
    assert record is not None
    assert (record.amount_due_minor, record.claimed_at, record.told_at, record.chats_told) == (
        SPENT,
        STATEMENT_DAY,
        STATEMENT_DAY,
        1,
    )
    assert emitted_metrics()["CreditStatementsSent"] == ("Count", 1.0)


def test_a_customer_without_a_credit_line_gets_none(run: Run) -> None:
    run.core.credit_limits["acc_1_0"] = 0
    run.core.statement_debts["acc_1_0"] = 0

    sent = run.send()

    assert sent.outcome == "no_credit_line"
    assert run.chats.told == [] and stored_pdfs(run.world) == 0
    assert run.records.statement(run.customer_id, NOVEMBER, closed=True) is None


def test_an_account_owing_without_a_credit_line_left_still_gets_one(run: Run) -> None:
    run.core.credit_limits["acc_1_0"] = 0

    assert run.send().outcome == "sent"
    assert run.chats.told[0].values["amount_due"] == f"300,00{NBSP}BYN"


def test_a_statement_with_nothing_due_after_a_month_of_operations_says_so(run: Run) -> None:
    run.core.statement_debts["acc_1_0"] = 0

    sent = run.send()

    assert (sent.outcome, sent.amount_due_minor) == ("sent", 0)
    (told,) = run.chats.told
    assert told.message == "card_services.statement_nothing_due"
    assert told.values == {"mask": "411111******0100", "period": "01.11.2026 – 30.11.2026"}
    assert told.document_url is not None


def test_a_credit_line_untouched_all_month_with_nothing_due_gets_none(run: Run) -> None:
    run.core.statement_debts["acc_1_0"] = 0
    run.core.entries["acc_1_0"] = []

    assert run.send().outcome == "quiet"
    assert run.chats.told == [] and stored_pdfs(run.world) == 0


def test_a_customer_with_no_chat_left_is_not_stated(run: Run) -> None:
    (binding,) = run.world.customers.bindings(run.customer_id)
    run.world.customers.unbind(binding)

    assert run.send().outcome == "no_chat"
    assert run.statements_asked() == 0


def close_card(world: World, customer_id: str, card_id: str, status: str = "closed") -> None:
    (card,) = [c for c in world.customers.cards(customer_id) if c.card_id == card_id]
    world.customers.put_card(card.model_copy(update={"status": status}))


def test_the_account_stated_is_the_card_still_open_even_blocked_not_the_closed_one(world: World) -> None:
    core = StatementCore()
    world.core = core
    customer_id, (first, second) = world.customer(1, cards=2)
    close_card(world, customer_id, first)
    close_card(world, customer_id, second, status="blocked")
    run = Run(world, core, StatementsRepository(world.customers.table), Chats(), customer_id)
    core.statement_debts["acc_1_1"] = SPENT

    assert run.send().outcome == "sent"
    assert [call for call in core.calls if call[0] == "statement"] == [("statement", f"acc_1_1:{NOVEMBER}")]


def test_a_closed_cards_account_is_still_stated_when_it_owes(run: Run) -> None:
    (card,) = run.world.customers.cards(run.customer_id)
    close_card(run.world, run.customer_id, card.card_id)

    assert run.send().outcome == "sent"
    assert run.chats.told[0].values["amount_due"] == f"300,00{NBSP}BYN"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param({"status": "blocked"}, {}, id="an active card before a blocked one"),
        pytest.param({"kind": "plastic"}, {}, id="the digital card before the plastic one"),
    ],
)
def test_the_account_stated_is_the_cards_the_customer_uses(
    world: World, first: dict[str, str], second: dict[str, str]
) -> None:
    core = StatementCore()
    world.core = core
    customer_id, card_ids = world.customer(1, cards=2)
    for card_id, changed in zip(card_ids, (first, second), strict=True):
        (card,) = [c for c in world.customers.cards(customer_id) if c.card_id == card_id]
        world.customers.put_card(card.model_copy(update=changed))
    core.statement_debts["acc_1_1"] = SPENT
    run = Run(world, core, StatementsRepository(world.customers.table), Chats(), customer_id)

    run.send()

    assert [call for call in core.calls if call[0] == "statement"] == [("statement", f"acc_1_1:{NOVEMBER}")]


def test_a_kopeck_due_on_an_untouched_credit_line_is_told_as_due(run: Run) -> None:
    run.core.statement_debts["acc_1_0"] = 1
    run.core.entries["acc_1_0"] = []

    assert run.send().outcome == "sent"
    (told,) = run.chats.told
    assert (told.message, told.values["amount_due"]) == ("card_services.statement_is", f"0,01{NBSP}BYN")


# --- once per customer and month --------------------------------------------------------------------
def test_a_month_already_sent_sends_nothing_and_asks_core_banking_nothing(run: Run) -> None:
    run.send()
    asked = run.statements_asked()

    again = run.send()

    assert again.outcome == "already_sent"
    assert len(run.chats.told) == 1
    assert run.statements_asked() == asked


def test_a_retried_item_that_finds_the_statement_claimed_meanwhile_sends_nothing(run: Run) -> None:
    run.send()

    class BlindToTheRecord(StatementsRepository):
        """Another item's claim lands between this one's look at the record and its own claim."""

        def statement(self, customer_id: str, month: str, closed: bool) -> Any:
            return None

    again = run.send(statements=BlindToTheRecord(run.world.customers.table))

    assert again.outcome == "already_sent"
    assert len(run.chats.told) == 1


def test_the_month_so_far_does_not_stand_in_for_the_months_statement(run: Run) -> None:
    during = run.send(month="2026-12", at=datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    again = run.send(month="2026-12", at=datetime(2026, 12, 21, 9, 0, tzinfo=UTC))
    run.core.today_month = "2027-01"
    ended = run.send(month="2026-12", at=datetime(2027, 1, 1, 3, 0, tzinfo=UTC))

    assert [(s.outcome, s.closed) for s in (during, again, ended)] == [
        ("sent", False),
        ("already_sent", False),
        ("sent", True),
    ]
    assert len(run.chats.told) == 2


# --- failures ---------------------------------------------------------------------------------------
def test_core_banking_down_sends_and_records_nothing_and_a_run_again_sends_it(run: Run) -> None:
    run.core.down = True

    with pytest.raises(BankSystemUnavailable):
        run.send()
    assert run.chats.told == []
    assert run.records.statement(run.customer_id, NOVEMBER, closed=True) is None

    run.core.down = False
    assert run.send().outcome == "sent"
    assert len(run.chats.told) == 1


def test_every_chat_refusing_gives_the_claim_back_and_fails_the_customer(run: Run) -> None:
    run.chats.refuse = True

    with pytest.raises(StatementNotTold):
        run.send()
    assert run.records.statement(run.customer_id, NOVEMBER, closed=True) is None

    run.chats.refuse = False
    assert run.send().outcome == "sent"
    assert len(run.chats.told) == 1


def test_one_chat_refusing_keeps_the_statement_sent_to_the_other(run: Run) -> None:
    run.world.customers.link_identity(run.customer_id, ChannelIdentity(channel="viber", user_id="v1", chat_id="v1"))

    def viber_down(request: NotifyRequest) -> Notified:
        if request.chat_key.startswith("viber:"):
            raise ConnectionError("viber is down")
        return run.chats.tell(request)

    sent = run.send(tell=viber_down)

    assert (sent.outcome, sent.chats_told) == ("sent", 1)
    assert run.records.statement(run.customer_id, NOVEMBER, closed=True) is not None


def test_chats_that_cannot_be_reached_keep_the_record_and_are_not_retried(run: Run) -> None:
    run.chats.unreachable = True

    sent = run.send()

    assert (sent.outcome, sent.chats_told) == ("unreachable", 0)
    assert run.send().outcome == "already_sent"
    assert len(run.chats.told) == 1


@pytest.mark.parametrize("key", [statement_cycle.DUE, statement_cycle.NOTHING_DUE])
def test_each_statement_notice_can_reach_a_chat_after_its_window(key: str) -> None:
    """Registered as a notice: a WhatsApp template and a Messenger tag carry it past the 24 h window."""
    assert notice(key).tag == "ACCOUNT_UPDATE"


# --- the record ---------------------------------------------------------------------------------------
def test_the_months_record_is_where_the_runbook_looks_and_the_month_so_far_apart(run: Run) -> None:
    run.send()
    run.send(month="2026-12")
    table = run.world.customers.table

    rows = table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues={":pk": f"CUSTOMER#{run.customer_id}", ":sk": "STATEMENT#"},
    )["Items"]
    assert sorted(row["sk"] for row in rows) == ["STATEMENT#2026-11", "STATEMENT#2026-12#SOFAR"]


def test_a_claimed_statement_not_yet_told_has_no_told_at(run: Run) -> None:
    """The runbook tells a run that stopped between the claim and the chats by the missing told_at."""
    record = StatementRecord(
        customer_id=run.customer_id, month=NOVEMBER, closed=True, amount_due_minor=SPENT, claimed_at=STATEMENT_DAY
    )
    assert run.records.claim(record)

    row = run.world.customers.table.get_item(Key={"pk": f"CUSTOMER#{run.customer_id}", "sk": "STATEMENT#2026-11"})[
        "Item"
    ]
    assert "told_at" not in row
    assert run.records.statement(run.customer_id, NOVEMBER, closed=True) == record


def test_every_read_of_the_record_is_consistent(run: Run) -> None:
    flags: list[Any] = []

    def record_read(params: dict[str, Any], **_: Any) -> None:
        if str(params["Key"]["sk"]).startswith("STATEMENT#"):
            flags.append(params.get("ConsistentRead"))

    run.records.table.meta.client.meta.events.register("before-parameter-build.dynamodb.GetItem", record_read)

    run.send()
    run.send()

    assert len(flags) == 2 and set(flags) == {True}
