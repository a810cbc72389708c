"""The month's cashback paid into the card (purchases/payout.py): once per customer and month however often the
journey runs, the net of the month's accruals (a refund lowers it; a month not above zero pays nothing), with
core banking's key cashback:<customer>:<YYYY-MM>; an accrual that comes after its month was closed counts in
the next one; the paid month is told once per chat with the receipt picture. Figures are worked out by hand
from terms.yaml (Burger King 7 % on fast food, groceries 2 %)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError
from moto import mock_aws

from messenger_bank.banking.models.core import CreditRequest, Operation
from messenger_bank.conversation.catalogue import text
from messenger_bank.customers.models import Card, ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import find_or_create
from messenger_bank.errors import CardNotFound
from messenger_bank.images.models import ReceiptRequest
from messenger_bank.images.receipt import receipt_picture
from messenger_bank.images.storage import owner_prefix
from messenger_bank.journeys.monthly import Listing, UploadedPart, list_key
from messenger_bank.notices.models import Notified
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.terms import programs
from messenger_bank.purchases import payout, payout_notices, service
from messenger_bank.purchases.models import (
    CardEvent,
    PayoutItem,
    PayoutStart,
    PayoutStartInput,
    PayoutTelling,
    next_month,
)
from messenger_bank.purchases.repository import AccrualsRepository
from tests.support.aws import create_table
from tests.support.idempotency import Replays

MARCH = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
PAID_AT = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)  # 06:00 in Minsk on the 1st, when the schedule runs
CARD = "card_41d0a7e2c9b3f815"
CHAT = ChannelIdentity(channel="telegram", user_id="7001", chat_id="7001")
VIBER = ChannelIdentity(channel="viber", user_id="v-7001", chat_id="v-7001")
BUCKET = "media-bucket"


@dataclass
class FakeCore:
    """Credits as the sandbox makes them: once per key (the same body replays the first answer), and a key
    reused with another body is a conflict (tests/support/idempotency.py)."""

    replays: Replays = field(default_factory=Replays)
    credited: list[CreditRequest] = field(default_factory=list)
    asked: int = 0
    id_prefix: str = "op-"

    def credit(self, request: CreditRequest) -> Operation:
        self.asked += 1

        def work() -> Operation:
            self.credited.append(request)
            return Operation.model_validate(
                {"operation_id": f"{self.id_prefix}{len(self.credited)}", "kind": "credit", "amount": request.amount,
                 "currency": request.currency, "status": "completed", "created_at": PAID_AT}
            )  # fmt: skip

        return self.replays.once("credit", request, work)


@dataclass
class World:
    customers: CustomersRepository
    accruals: AccrualsRepository
    core: FakeCore
    customer_id: str
    s3: Any

    def hear(self, **changed: Any) -> None:
        fields: dict[str, Any] = {
            "event_id": "evt_op_1",
            "kind": "purchase_cleared",
            "purchase_id": "op_1",
            "card_id": CARD,
            "amount_minor": 1_250,
            "currency": "BYN",
            "mcc": "5814",
            "merchant": "Burger King Nemiga",
            "partner": "burgerking",
            "available_minor": 3_750,
            "occurred_at": MARCH,
        }
        service.record_card_event(
            CardEvent.model_validate({**fields, **changed}),
            accruals=self.accruals,
            customers=self.customers,
            config=programs(),
            activated=lambda _: [],
            tell=lambda _: Notified(delivered=True, outcome="sent"),
            clock=lambda: MARCH,
        )

    def pay(self, month: str = "2026-03") -> payout.PayoutOutcome:
        return payout.pay_month(
            PayoutItem(customer_id=self.customer_id, month=month),
            accruals=self.accruals,
            customers=self.customers,
            core=self.core,  # type: ignore[arg-type]
            config=programs(),
            clock=lambda: PAID_AT,
        )

    def notices(self, month: str = "2026-03", run: str | None = None) -> tuple[payout_notices.PayoutNotice, ...]:
        return payout_notices.payout_notices(
            PayoutTelling(customer_id=self.customer_id, month=month, run=run),
            accruals=self.accruals,
            customers=self.customers,
            config=programs(),
            bucket=BUCKET,
            clock=lambda: PAID_AT,
        ).notices


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        table = boto3.resource("dynamodb").Table(create_table(boto3.client("dynamodb"), "CustomersTable"))
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        monkeypatch.setattr("messenger_bank.images.storage.s3", lambda: s3)
        customers = CustomersRepository(table)
        new = NewCustomer(bank_customer_id="cus_bank_1", phone="+375291234567", language="en", identity=CHAT)
        customer = find_or_create(new, repository=customers).customer
        customers.put_card(
            Card(
                card_id=CARD, customer_id=customer.customer_id, mask="427683******0017", expiry="03/31", issued_at=MARCH
            )
        )
        yield World(customers, AccrualsRepository(table), FakeCore(), customer.customer_id, s3)


def test_the_months_cashback_is_paid_into_the_card_once_with_the_customer_months_key(world: World) -> None:
    world.hear()  # 12.50 at Burger King's 7 %: 87
    world.hear(event_id="evt_op_2", purchase_id="op_2", amount_minor=2_000, mcc="5411", merchant="Corner", partner=None)

    outcome = world.pay()

    # 87 + 20.00 at the groceries' 2 % (40) = 1.27 BYN
    assert (outcome.outcome, outcome.amount_minor, outcome.operation_id) == ("paid", 127, "op-1")
    (credit,) = world.core.credited
    assert (credit.card_id, credit.source, credit.amount, credit.currency) == (CARD, "cashback", 127, "BYN")
    assert credit.idempotency_key == f"cashback:{world.customer_id}:2026-03"
    stored = world.accruals.payout(world.customer_id, "2026-03")
    assert stored is not None and (stored.status, stored.amount_minor, stored.operation_id) == ("paid", 127, "op-1")


def test_a_second_run_pays_nothing_and_does_not_ask_core_banking_again(world: World) -> None:
    world.hear()
    world.pay()

    again = world.pay()

    assert (again.outcome, again.amount_minor, again.operation_id) == ("already_settled", 87, "op-1")
    assert (len(world.core.credited), world.core.asked) == (1, 1)


def test_a_run_stopped_after_the_credit_is_paid_once_when_run_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The credit went through but the record was not written: the next run asks with the same key, and core
    banking answers with the first credit, so the customer is credited once."""
    world.hear()
    with monkeypatch.context() as patched:
        patched.setattr(AccrualsRepository, "settle", lambda self, p: (_ for _ in ()).throw(TimeoutError("gone")))
        with pytest.raises(TimeoutError):
            world.pay()

    again = world.pay()

    assert (again.outcome, again.amount_minor, again.operation_id) == ("paid", 87, "op-1")
    assert (len(world.core.credited), world.core.asked) == (1, 2)


def test_a_refunds_negative_accrual_lowers_the_payout(world: World) -> None:
    world.hear()  # +87
    world.hear(event_id="evt_refund_1", kind="purchase_refunded", amount_minor=500, available_minor=4_250)  # −35

    assert world.pay().amount_minor == 52
    assert world.core.credited[0].amount == 52


def test_a_month_whose_net_is_negative_pays_nothing(world: World) -> None:
    world.hear(occurred_at=datetime(2026, 2, 20, 12, 0, tzinfo=UTC))  # February: +87
    world.hear(event_id="evt_refund_1", kind="purchase_refunded", available_minor=5_000)  # March: −87
    world.hear(event_id="evt_op_2", purchase_id="op_2", amount_minor=2_000, mcc="5411", merchant="Corner", partner=None)

    outcome = world.pay()  # March: −87 + 40

    assert (outcome.outcome, outcome.amount_minor) == ("nothing_to_pay", 0)
    assert world.core.asked == 0
    stored = world.accruals.payout(world.customer_id, "2026-03")
    assert stored is not None and stored.status == "nothing"
    assert world.pay().outcome == "already_settled" and world.core.asked == 0
    assert world.notices() == ()


def test_a_month_whose_net_is_exactly_zero_pays_nothing_and_one_kopeck_is_paid(world: World) -> None:
    world.hear()
    world.hear(event_id="evt_refund_1", kind="purchase_refunded", available_minor=5_000)  # the whole purchase back
    assert world.pay().outcome == "nothing_to_pay"

    world.hear(event_id="evt_op_3", purchase_id="op_3", amount_minor=50, mcc="5411", merchant="Corner", partner=None,
               occurred_at=datetime(2026, 4, 2, tzinfo=UTC))  # fmt: skip
    april = world.pay("2026-04")  # 0.50 at 2 %: one kopeck
    assert (april.outcome, april.amount_minor) == ("paid", 1)


def test_an_accrual_after_its_month_was_paid_counts_in_the_next_month(world: World) -> None:
    world.hear()
    world.pay()

    world.hear(event_id="evt_refund_1", kind="purchase_refunded", amount_minor=500)  # a March refund, heard late

    (late,) = [a for a in world.accruals.accruals(world.customer_id, "2026-04")]
    assert (late.event_id, late.cashback_minor) == ("evt_refund_1", -35)
    assert [a.event_id for a in world.accruals.accruals(world.customer_id, "2026-03")] == ["evt_op_1"]
    world.hear(
        event_id="evt_op_4", purchase_id="op_4", amount_minor=10_000, occurred_at=datetime(2026, 4, 3, tzinfo=UTC)
    )
    assert world.pay("2026-04").amount_minor == 700 - 35


def test_the_same_event_after_the_close_is_still_recorded_once(world: World) -> None:
    world.hear()
    world.pay()

    world.hear()  # core banking delivers the March purchase again

    assert world.accruals.accruals(world.customer_id, "2026-04") == []


def test_a_purchase_in_a_category_chosen_for_its_month_accrues_and_is_paid(world: World) -> None:
    chosen = ReferralsRepository(world.accruals.table)
    chosen.replace_chosen_categories(world.customer_id, "2026-03", (), ("cinema",), MARCH)
    cinema = {"mcc": "7832", "merchant": "Silver Screen", "partner": None}
    world.hear(event_id="evt_op_2", purchase_id="op_2", amount_minor=1_500, **cinema)  # March, chosen: 10 %
    april = datetime(2026, 4, 2, tzinfo=UTC)
    world.hear(event_id="evt_op_3", purchase_id="op_3", amount_minor=1_500, occurred_at=april, **cinema)  # not chosen

    assert [a.cashback_minor for a in world.accruals.accruals(world.customer_id, "2026-03")] == [150]
    assert [a.cashback_minor for a in world.accruals.accruals(world.customer_id, "2026-04")] == [0]
    assert world.pay().amount_minor == 150


def test_the_paid_month_is_told_once_in_every_chat_with_the_receipt_picture(world: World) -> None:
    world.customers.link_identity(world.customer_id, VIBER, MARCH)
    world.hear()
    world.hear(event_id="evt_op_2", purchase_id="op_2", amount_minor=2_000, mcc="5411", merchant="Corner", partner=None)
    world.pay()

    notices = world.notices()

    assert sorted(n.chat_key for n in notices) == ["telegram:7001", "viber:v-7001"]
    values = {
        "month": "03/2026",
        "amount": "1.27\u00a0BYN",
        "categories": "fast food: 0.87\u00a0BYN, groceries: 0.40\u00a0BYN",
    }
    for notice in notices:
        assert (notice.message, notice.language, notice.values) == ("cashback.paid", "en", values)
        assert text(notice.message, notice.language, **notice.values).startswith("💸 Cashback for 03/2026 is paid")
    (url,) = {n.picture_url for n in notices}
    (key,) = [o["Key"] for o in world.s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert url is not None and key.startswith("receipt/") and key in url
    # Under the customer's own prefix, so that forgetting the customer erases it (privacy/erasure.py).
    assert key.startswith(f"receipt/{owner_prefix(world.customer_id)}/")
    assert world.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().startswith(b"\x89PNG")
    assert world.notices() == ()  # told once


def test_a_try_stopped_after_its_claim_tells_when_its_run_tries_again_and_no_other_run_tells(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.hear()
    world.pay()
    monkeypatch.setattr(payout_notices, "store_picture", refused)

    with pytest.raises(ClientError):
        world.notices(run="cashback-2026-03-a")  # claimed, then S3 refused the picture

    monkeypatch.undo()
    (notice,) = world.notices(run="cashback-2026-03-a")  # the step tried again by the same run
    assert notice.message == "cashback.paid"
    assert world.notices(run="cashback-2026-03-b") == ()  # a later run of the month
    assert world.notices() == ()


def refused(*_: object, **__: object) -> None:
    raise ClientError({"Error": {"Code": "InternalError", "Message": "We encountered an internal error"}}, "PutObject")


def test_a_month_not_paid_is_not_told(world: World) -> None:
    world.hear()
    world.accruals.close_month(world.customer_id, "2026-03", PAID_AT)  # closed, the credit not made yet

    assert world.notices() == ()


def listed(world: World, run: payout.PayoutRun) -> tuple[str, ...]:
    """The run's customers as its Map reads them: the CSV object the step wrote (header ``customer_id``)."""
    body = world.s3.get_object(Bucket=run.customers.bucket, Key=run.customers.key)["Body"].read().decode()
    header, *rows = body.splitlines()
    assert header == "customer_id"
    assert run.customers.count == len(rows)
    return tuple(rows)


def test_the_run_lists_each_customer_with_an_accrual_in_the_month_once(world: World) -> None:
    world.hear()
    world.hear(event_id="evt_op_2", purchase_id="op_2")
    world.hear(event_id="evt_op_3", purchase_id="op_3", occurred_at=datetime(2026, 2, 27, tzinfo=UTC))
    start = PayoutStart(input=PayoutStartInput(scheduled_at=PAID_AT), started_at=PAID_AT)

    def run_for(start: PayoutStart) -> payout.PayoutRun:
        return payout.payout_run(start, accruals=world.accruals, config=programs(), bucket=BUCKET, s3_client=world.s3)

    run = run_for(start)

    assert (run.month, listed(world, run)) == ("2026-03", (world.customer_id,))
    assert run.customers.bucket == BUCKET and run.customers.key.startswith("monthly-runs/cashback-payout/2026-03/")
    february = PayoutStart(input=PayoutStartInput(month="2026-02"), started_at=PAID_AT)
    assert listed(world, run_for(february)) == (world.customer_id,)
    january = PayoutStart(input=PayoutStartInput(month="2026-01"), started_at=PAID_AT)
    assert listed(world, run_for(january)) == ()


def test_a_listing_step_handed_on_goes_on_from_where_the_last_one_stopped(world: World) -> None:
    """The step after one that ran out of time (the listing it was handed: its upload and first part, where the scan
    stopped) lists only what the scan holds after that point: here, past the month's one accrual, nobody."""
    world.hear()
    (row,) = world.accruals.table.scan(FilterExpression=Attr("month").eq("2026-03"))["Items"]
    key = list_key("cashback-payout", "2026-03", PAID_AT)
    upload = world.s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    before = [f"{n:08d}-0000-4000-8000-000000000000" for n in range(142_000)]  # 5 MiB: a part S3 takes
    first = "\n".join(["customer_id", *before]) + "\n"
    etag = world.s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=1, Body=first.encode())["ETag"]
    stopped = Listing(
        upload_id=upload,
        parts=(UploadedPart(number=1, etag=etag),),
        start_key={"pk": row["pk"], "sk": row["sk"]},
        last_customer=before[-1],
        count=len(before),
    )
    start = PayoutStart(input=PayoutStartInput(scheduled_at=PAID_AT), started_at=PAID_AT, listing=stopped)

    run = payout.payout_run(start, accruals=world.accruals, config=programs(), bucket=BUCKET, s3_client=world.s3)

    assert run.listing is None and listed(world, run) == tuple(before)


@pytest.mark.parametrize(
    ("scheduled_at", "month"),
    [
        (datetime(2026, 3, 31, 21, 0, tzinfo=UTC), "2026-03"),  # 00:00 on 1 April in Minsk: March has ended
        (datetime(2026, 3, 31, 20, 59, 59, tzinfo=UTC), "2026-02"),  # 23:59:59 on 31 March: March has not
        (datetime(2027, 1, 1, 3, 0, tzinfo=UTC), "2026-12"),  # across the year
    ],
)
def test_the_schedule_pays_the_month_before_its_time_in_the_banks_time_zone(scheduled_at: datetime, month: str) -> None:
    start = PayoutStart(input=PayoutStartInput(scheduled_at=scheduled_at), started_at=PAID_AT)

    assert payout.month_to_pay(start, programs()) == month


def test_without_a_time_the_start_of_the_run_says_which_month_ended() -> None:
    assert payout.month_to_pay(PayoutStart(started_at=PAID_AT), programs()) == "2026-03"


def test_a_named_month_is_paid_up_to_the_month_under_way_never_one_to_come() -> None:
    def named(month: str) -> str:
        return payout.month_to_pay(PayoutStart(input=PayoutStartInput(month=month), started_at=PAID_AT), programs())

    assert named("2026-04") == "2026-04"  # under way: paid early, what comes later counts in May
    with pytest.raises(payout.MonthNotStarted):
        named("2026-05")


def test_the_idempotency_key_and_the_months_words() -> None:
    assert payout.payout_key("cus-1", "2026-11") == "cashback:cus-1:2026-11"
    assert (payout_notices.month_words("2026-11", "ru"), payout_notices.month_words("2026-11", "en")) == (
        "11.2026",
        "11/2026",
    )
    assert (next_month("2026-11"), next_month("2026-12")) == ("2026-12", "2027-01")


# --- the card paid into ----------------------------------------------------------------------------------
def cards_held(world: World, *cards: tuple[str, str, str, datetime]) -> None:
    """The customer's cards besides none other: (card id, kind, status, issued at)."""
    world.customers.table.delete_item(Key={"pk": f"CUSTOMER#{world.customer_id}", "sk": f"CARD#{CARD}"})
    for card_id, kind, status, issued_at in cards:
        world.customers.put_card(
            Card.model_validate(
                {"card_id": card_id, "customer_id": world.customer_id, "mask": "427683******0017",
                 "expiry": "03/31", "kind": kind, "status": status, "issued_at": issued_at}
            )
        )  # fmt: skip


APRIL_1 = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("defect", "cards", "credited"),
    [
        # the card ids sort the wrong card first, so the order the table gives them in decides nothing
        (
            "a blocked card before an active one",
            [("card_a", "virtual", "blocked", MARCH), ("card_b", "virtual", "active", MARCH)],
            "card_b",
        ),
        (
            "a plastic card before a virtual one",
            [("card_a", "plastic", "active", MARCH), ("card_b", "virtual", "active", APRIL_1)],
            "card_b",
        ),
        (
            "a blocked virtual card before an active plastic one",
            [("card_a", "virtual", "blocked", MARCH), ("card_b", "plastic", "active", APRIL_1)],
            "card_b",
        ),
        (
            "a newer card before an older one",
            [("card_a", "virtual", "active", APRIL_1), ("card_b", "virtual", "active", MARCH)],
            "card_b",
        ),
    ],
)
def test_the_cashback_is_paid_into_the_active_virtual_card_the_oldest_first(
    world: World, defect: str, cards: list[tuple[str, str, str, datetime]], credited: str
) -> None:
    world.hear()
    cards_held(world, *cards)

    world.pay()

    assert [c.card_id for c in world.core.credited] == [credited], defect


def test_a_closed_card_is_never_paid_into(world: World) -> None:
    world.hear()
    cards_held(world, ("card_a", "virtual", "closed", MARCH))

    with pytest.raises(CardNotFound):
        world.pay()
    assert world.core.asked == 0


# --- the settled record --------------------------------------------------------------------------------
def test_the_paid_month_records_its_credit_its_reference_and_the_time(
    world: World, emitted_metrics: Callable[[], dict[str, tuple[str, float]]]
) -> None:
    world.hear()

    world.pay()

    (credit,) = world.core.credited
    assert credit.reference == "cashback 2026-03"
    stored = world.accruals.payout(world.customer_id, "2026-03")
    assert stored is not None and (stored.amount_minor, stored.settled_at) == (87, PAID_AT)
    assert type(stored.amount_minor) is int
    assert emitted_metrics()["CashbackPaid"] == ("Count", 1.0)


def test_a_month_paying_nothing_records_zero_and_the_time(world: World) -> None:
    world.hear()
    world.hear(event_id="evt_refund_1", kind="purchase_refunded", available_minor=5_000)

    world.pay()

    stored = world.accruals.payout(world.customer_id, "2026-03")
    assert stored is not None and (stored.status, stored.amount_minor, stored.settled_at) == ("nothing", 0, PAID_AT)


def test_a_month_settled_before_is_not_settled_again(world: World) -> None:
    closed = world.accruals.close_month(world.customer_id, "2026-03", PAID_AT)
    paid = closed.model_copy(
        update={"status": "paid", "amount_minor": 87, "operation_id": "op-1", "settled_at": PAID_AT}
    )

    assert world.accruals.settle(paid) is True
    assert world.accruals.settle(paid.model_copy(update={"amount_minor": 1})) is False
    stored = world.accruals.payout(world.customer_id, "2026-03")
    assert stored is not None and stored.amount_minor == 87


# --- a programme other than the deployed one ---------------------------------------------------------
def test_the_run_reads_the_month_in_the_programmes_time_zone_given(world: World) -> None:
    in_utc = programs().model_copy(update={"utc_offset": "+00:00"})
    # 00:00 on 1 April in Minsk, still 31 March in UTC: March has not ended there
    start = PayoutStart(
        input=PayoutStartInput(scheduled_at=datetime(2026, 3, 31, 21, 0, tzinfo=UTC)), started_at=PAID_AT
    )

    assert (
        payout.payout_run(start, accruals=world.accruals, config=in_utc, bucket=BUCKET, s3_client=world.s3).month
        == "2026-02"
    )


def test_the_payout_sums_the_accruals_in_the_programmes_currency_given(world: World) -> None:
    world.hear()
    in_usd = programs().model_copy(update={"currency": "USD"})

    outcome = payout.pay_month(
        PayoutItem(customer_id=world.customer_id, month="2026-03"),
        accruals=world.accruals, customers=world.customers, core=world.core,  # type: ignore[arg-type]
        config=in_usd, clock=lambda: PAID_AT,
    )  # fmt: skip

    assert (outcome.outcome, outcome.currency, world.core.asked) == ("nothing_to_pay", "USD", 0)


def test_the_notice_tells_in_the_programmes_currency_given(world: World) -> None:
    world.hear()
    world.pay()
    in_usd = programs().model_copy(update={"currency": "USD"})

    (notice,) = payout_notices.payout_notices(
        PayoutTelling(customer_id=world.customer_id, month="2026-03"),
        accruals=world.accruals, customers=world.customers, config=in_usd, bucket=BUCKET, clock=lambda: PAID_AT,
    ).notices  # fmt: skip

    assert notice.values["amount"] == "0.87\u00a0USD"


# --- the month's categories in the notice -----------------------------------------------------------
def categories_told(world: World) -> str:
    world.pay()
    (notice,) = world.notices()
    return str(notice.values["categories"])


def test_the_categories_are_told_largest_first(world: World) -> None:
    world.hear()  # fast food 0.87
    world.hear(
        event_id="evt_op_2", purchase_id="op_2", amount_minor=10_000, mcc="5411", merchant="Corner", partner=None
    )

    assert categories_told(world) == "groceries: 2.00\u00a0BYN, fast food: 0.87\u00a0BYN"


def test_a_categorys_purchases_are_summed(world: World) -> None:
    world.hear()
    world.hear(event_id="evt_op_2", purchase_id="op_2")

    assert categories_told(world) == "fast food: 1.74\u00a0BYN"


def test_a_category_with_nothing_earned_is_left_out_and_one_kopeck_is_told(world: World) -> None:
    world.hear(mcc="5251", merchant="Hardware", partner=None)  # no category: nothing earned
    world.hear(event_id="evt_op_2", purchase_id="op_2", amount_minor=50, mcc="5411", merchant="Corner", partner=None)

    assert categories_told(world) == "groceries: 0.01\u00a0BYN"


def test_an_mcc_the_programme_no_longer_has_is_told_as_other(world: World) -> None:
    world.hear(event_id="evt_op_2", purchase_id="op_2", amount_minor=2_000, mcc="5411", merchant="Corner", partner=None)
    world.pay()
    terms = programs()
    without_groceries = terms.model_copy(
        update={"categories": {k: v for k, v in terms.categories.items() if k != "groceries"}}
    )

    (notice,) = payout_notices.payout_notices(
        PayoutTelling(customer_id=world.customer_id, month="2026-03"),
        accruals=world.accruals, customers=world.customers, config=without_groceries, bucket=BUCKET,
        clock=lambda: PAID_AT,
    ).notices  # fmt: skip

    assert notice.values["categories"] == f"{text('cashback.category.other', 'en')}: 0.40\u00a0BYN"


def test_the_categories_are_in_the_customers_language(world: World) -> None:
    world.customers.table.update_item(
        Key={"pk": f"CUSTOMER#{world.customer_id}", "sk": "PROFILE"},
        UpdateExpression="SET #language = :ru",
        ExpressionAttributeNames={"#language": "language"},
        ExpressionAttributeValues={":ru": "ru"},
    )
    world.hear()

    assert categories_told(world).startswith(f"{text('cashback.category.fast_food', 'ru')}: ")


# --- the receipt picture -----------------------------------------------------------------------------
@pytest.fixture
def receipts(monkeypatch: pytest.MonkeyPatch) -> list[ReceiptRequest]:
    """What the notice asks the receipt picture for (the picture is still drawn)."""
    asked: list[ReceiptRequest] = []
    draw = receipt_picture

    def drawn(request: ReceiptRequest) -> bytes:
        asked.append(request)
        return draw(request)

    monkeypatch.setattr("messenger_bank.images.receipt.receipt_picture", drawn)
    return asked


def test_the_receipt_has_the_month_and_its_categories_the_paid_time_and_the_credit(
    world: World, receipts: list[ReceiptRequest]
) -> None:
    world.hear()
    world.pay()

    payout_notices.payout_notices(
        PayoutTelling(customer_id=world.customer_id, month="2026-03"),
        accruals=world.accruals, customers=world.customers, config=programs(), bucket=BUCKET,
        clock=lambda: datetime(2026, 4, 2, tzinfo=UTC),
    )  # fmt: skip

    (receipt,) = receipts
    assert (receipt.details, receipt.occurred_at, receipt.operation_id, receipt.amount) == (
        "03/2026: fast food: 0.87\u00a0BYN", PAID_AT, "op-1", 87
    )  # fmt: skip


def test_a_credit_id_longer_than_the_receipt_holds_is_cut_to_its_length(
    world: World, receipts: list[ReceiptRequest]
) -> None:
    world.core.id_prefix = "op_" + "credit" * 12
    world.hear()
    world.pay()

    world.notices()

    (receipt,) = receipts
    assert receipt.operation_id == ("op_" + "credit" * 12)[:64]


def test_the_clocks_tell_the_time_in_utc() -> None:
    assert (payout._now().utcoffset(), service._now().utcoffset()) == (timedelta(0), timedelta(0))


def test_a_months_words_longer_than_the_receipt_holds_are_cut_to_its_length(
    world: World, receipts: list[ReceiptRequest]
) -> None:
    # every category of the programme, and a partner at an MCC none has ("other"): 10,000.00 BYN each
    for n, mcc in enumerate(("5411", "5814", "5812", "5816", "4899", "4111")):
        world.hear(event_id=f"evt_op_{n}", purchase_id=f"op_{n}", amount_minor=1_000_000, mcc=mcc, partner=None)
    world.hear(event_id="evt_op_9", purchase_id="op_9", amount_minor=1_000_000, mcc="5251")
    world.pay()

    (notice,) = world.notices()

    told = f"03/2026: {notice.values['categories']}"
    (receipt,) = receipts
    assert len(told) > 160 and receipt.details == told[:160].rstrip()  # the receipt drops the space cut before BYN
