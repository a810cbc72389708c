"""Core banking's card events on the bank's side: each accrues its cashback once (the programme's rules, the
figures worked out by hand here), a repeated delivery accrues and tells nothing again, a refund takes the
cashback back, a card we do not know is refused, and a declined purchase is told with its reason."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.customers.models import Card, ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import find_or_create
from messenger_bank.http import HttpRequest
from messenger_bank.notices.models import Notified, NotifyRequest
from messenger_bank.programs.models import OfferActivation
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.terms import programs
from messenger_bank.purchases import service
from messenger_bank.purchases.errors import CardEventConflict, CustomerNotReached
from messenger_bank.purchases.models import CardEvent, CardEventOutcome
from messenger_bank.purchases.repository import AccrualsRepository
from tests.support.aws import create_table

AT = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
CARD = "card_41d0a7e2c9b3f815"
CHAT = ChannelIdentity(channel="telegram", user_id="7001", chat_id="7001")
VIBER = ChannelIdentity(channel="viber", user_id="v-7001", chat_id="v-7001")


@dataclass
class Chats:
    """The notices as NotifyCustomer would get them; a chat in ``failing`` raises, as a messenger that is down."""

    sent: list[NotifyRequest] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)

    def tell(self, request: NotifyRequest) -> Notified:
        if request.chat_key in self.failing:
            raise ConnectionError("the messenger is down")
        self.sent.append(request)
        return Notified(delivered=True, outcome="sent")


@dataclass
class World:
    customers: CustomersRepository
    accruals: AccrualsRepository
    offers: ReferralsRepository
    chats: Chats
    customer_id: str

    def hear(self, event: CardEvent) -> CardEventOutcome | None:
        return service.record_card_event(
            event,
            accruals=self.accruals,
            customers=self.customers,
            config=programs(),
            # The offers activated: read by the service itself from the customers table, as deployed.
            tell=self.chats.tell,
            clock=lambda: AT,
        )


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        table = boto3.resource("dynamodb").Table(create_table(boto3.client("dynamodb"), "CustomersTable"))
        customers = CustomersRepository(table)
        new = NewCustomer(bank_customer_id="cus_bank_1", phone="+375291234567", language="en", identity=CHAT)
        customer = find_or_create(new, repository=customers).customer
        customers.put_card(
            Card(card_id=CARD, customer_id=customer.customer_id, mask="427683******0017", expiry="03/31", issued_at=AT)
        )
        yield World(customers, AccrualsRepository(table), ReferralsRepository(table), Chats(), customer.customer_id)


def event(**changed: Any) -> CardEvent:
    """A purchase of 12.50 BYN at Burger King (a partner: 7 % on fast food), 37.50 BYN left."""
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
        "occurred_at": AT,
    }
    return CardEvent.model_validate({**fields, **changed})


def test_a_purchase_at_a_partner_accrues_the_partners_rate_and_is_told(world: World) -> None:
    outcome = world.hear(event())

    # 12.50 BYN at Burger King's 7 %: 87.5 kopecks, rounded down.
    assert outcome == CardEventOutcome(event_id="evt_op_1", accrued=True, cashback_minor=87, told="told")
    (accrual,) = world.accruals.accruals(world.customer_id, "2026-03")
    assert (accrual.rate_percent, accrual.cashback_minor, accrual.merchant) == (Decimal(7), 87, "Burger King Nemiga")
    (notice,) = world.chats.sent
    assert (notice.chat_key, notice.language, notice.message) == ("telegram:7001", "en", "purchase.cleared")
    assert notice.values == {
        "amount": "12.50\u00a0BYN",
        "merchant": "Burger King Nemiga",
        "available": "37.50\u00a0BYN",
        "cashback": "0.87\u00a0BYN",
    }


@pytest.mark.parametrize(
    ("where", "changed", "cashback"),
    [
        # groceries by MCC at the bank's 2 %: 25 kopecks
        ("a grocery that is no partner", {"partner": None, "merchant": "Evroopt", "mcc": "5411"}, 25),
        # fast food by MCC without the partner: the bank's 5 %, 62.5 rounded down
        ("fast food that is no partner", {"partner": None, "merchant": "Lido", "mcc": "5814"}, 62),
        ("an MCC no category has", {"partner": None, "merchant": "Hardware", "mcc": "5251"}, 0),
        ("another currency than the programme's", {"currency": "USD"}, 0),
    ],
)
def test_elsewhere_the_category_by_mcc_decides(
    world: World, where: str, changed: dict[str, Any], cashback: int
) -> None:
    outcome = world.hear(event(**changed))

    assert outcome is not None and outcome.cashback_minor == cashback, where
    assert world.chats.sent[0].message == "purchase.cleared"


def test_an_activated_offer_beats_the_partners_rate(world: World) -> None:
    world.offers.add_activation(
        OfferActivation(
            customer_id=world.customer_id,
            partner="burgerking",
            offer_id="bk-002",
            title="20 % cashback on Whopper combos on weekdays",
            category="fast_food",
            cashback_percent=Decimal(20),
            activated_at=AT,
        )
    )

    outcome = world.hear(event())

    assert outcome is not None and outcome.cashback_minor == 250  # 20 % of 12.50


def test_a_repeated_event_accrues_and_tells_nothing_again(world: World) -> None:
    world.hear(event())
    again = world.hear(event())

    assert again == CardEventOutcome(event_id="evt_op_1", accrued=False, cashback_minor=87, told="already_told")
    assert len(world.accruals.accruals(world.customer_id, "2026-03")) == 1
    assert len(world.chats.sent) == 1


def test_an_event_id_sent_again_with_other_facts_is_refused(world: World) -> None:
    world.hear(event())

    with pytest.raises(CardEventConflict):
        world.hear(event(amount_minor=1_251))
    assert [a.amount_minor for a in world.accruals.accruals(world.customer_id, "2026-03")] == [1_250]
    assert len(world.chats.sent) == 1


def test_a_refund_takes_the_purchases_cashback_back(world: World) -> None:
    world.hear(event())

    outcome = world.hear(
        event(event_id="evt_op_2", kind="purchase_refunded", purchase_id="op_1", available_minor=5_000)
    )

    assert outcome is not None and outcome.cashback_minor == -87
    month = world.accruals.accruals(world.customer_id, "2026-03")
    assert sum(a.cashback_minor for a in month) == 0
    refunded = world.chats.sent[-1]
    assert refunded.message == "purchase.refunded"
    assert (refunded.values["cashback"], refunded.values["available"]) == ("0.87\u00a0BYN", "50.00\u00a0BYN")


def test_a_refund_keeps_its_purchases_rate_though_the_offer_came_later(world: World) -> None:
    world.hear(event())
    world.offers.add_activation(
        OfferActivation(
            customer_id=world.customer_id,
            partner="burgerking",
            offer_id="bk-002",
            title="20 %",
            category="fast_food",
            cashback_percent=Decimal(20),
            activated_at=AT,
        )
    )

    outcome = world.hear(event(event_id="evt_op_2", kind="purchase_refunded", amount_minor=1_000))

    assert outcome is not None and outcome.cashback_minor == -70  # 7 % of 10.00, not 20 %


def test_a_card_we_do_not_know_is_refused_and_nothing_recorded(world: World) -> None:
    assert world.hear(event(card_id="card_of_someone_else")) is None
    assert world.accruals.accruals(world.customer_id, "2026-03") == []
    assert world.chats.sent == []


@pytest.mark.parametrize(
    ("reason", "notice"),
    [
        ("insufficient_funds", "purchase.declined.insufficient_funds"),
        ("card_blocked", "purchase.declined.card_blocked"),
        ("currency_mismatch", "purchase.declined.currency_mismatch"),
        ("limit_exceeded", "purchase.declined.limit_exceeded"),
        ("suspected_fraud", "purchase.declined.other"),
    ],
)
def test_a_declined_purchase_earns_nothing_and_is_told_with_its_reason(world: World, reason: str, notice: str) -> None:
    declined = event(event_id="evt_d1", kind="purchase_declined", purchase_id=None, reason=reason)

    outcome = world.hear(declined)
    world.hear(declined)

    assert outcome == CardEventOutcome(event_id="evt_d1", accrued=True, cashback_minor=0, told="told")
    (told,) = world.chats.sent
    assert (told.message, told.values["amount"], told.values["available"]) == (
        notice,
        "12.50\u00a0BYN",
        "37.50\u00a0BYN",
    )


def test_every_chat_of_the_customer_is_told(world: World) -> None:
    world.customers.link_identity(world.customer_id, VIBER, AT)

    world.hear(event())

    assert sorted(n.chat_key for n in world.chats.sent) == ["telegram:7001", "viber:v-7001"]


def test_when_every_chat_fails_the_next_delivery_tells_and_accrues_nothing_more(world: World) -> None:
    world.chats.failing = {"telegram:7001"}
    with pytest.raises(CustomerNotReached):
        world.hear(event())
    world.chats.failing = set()

    again = world.hear(event())

    assert again == CardEventOutcome(event_id="evt_op_1", accrued=False, cashback_minor=87, told="told")
    assert len(world.accruals.accruals(world.customer_id, "2026-03")) == 1
    assert len(world.chats.sent) == 1


def test_a_card_number_in_a_merchants_name_never_reaches_the_chat(world: World) -> None:
    world.hear(event(merchant="Shop 4276830000000017"))

    assert "4276830000000017" not in json.dumps(world.chats.sent[0].values)


# --- the HTTP answer -----------------------------------------------------------------------------------
def answer_to(monkeypatch: pytest.MonkeyPatch, body: bytes, outcome: Any) -> tuple[int, dict[str, Any]]:
    def recorded(_: CardEvent) -> CardEventOutcome | None:
        if isinstance(outcome, Exception):
            raise outcome
        return outcome  # type: ignore[no-any-return]

    monkeypatch.setattr(service, "record_card_event", recorded)
    answer = service.accept_card_event(HttpRequest(body=body))
    return answer.status, json.loads(answer.body)


VALID = event().model_dump_json().encode()


def test_the_outcome_is_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    outcome = CardEventOutcome(event_id="evt_op_1", accrued=True, cashback_minor=87, told="told")
    assert answer_to(monkeypatch, VALID, outcome) == (200, outcome.model_dump(mode="json"))


@pytest.mark.parametrize(
    ("defect", "body", "outcome", "status"),
    [
        ("not an event", b'{"order_id": "ord_1"}', None, 400),
        ("an unknown kind", VALID.replace(b"purchase_cleared", b"purchase_stolen"), None, 400),
        ("a card we do not know", VALID, None, 404),
        ("an event id reused", VALID, CardEventConflict("x"), 409),
        ("no chat could be told", VALID, CustomerNotReached("x"), 503),
    ],
)
def test_each_refusal_has_its_status(
    monkeypatch: pytest.MonkeyPatch, defect: str, body: bytes, outcome: Any, status: int
) -> None:
    assert answer_to(monkeypatch, body, outcome)[0] == status, defect


@pytest.mark.parametrize(
    ("defect", "body", "outcome", "status", "message"),
    [
        ("not an event", b'{"order_id": "ord_1"}', None, 400,
         "expected a card event {event_id, kind, card_id, amount_minor, currency, mcc, ...}"),
        ("a card we do not know", VALID, None, 404, "unknown card"),
        ("an event id reused", VALID, CardEventConflict("x"), 409, "event id already used with other facts"),
        ("no chat could be told", VALID, CustomerNotReached("x"), 503, "the customer could not be told; deliver again"),
    ],
)  # fmt: skip
def test_each_refusal_says_what_happened(
    monkeypatch: pytest.MonkeyPatch, defect: str, body: bytes, outcome: Any, status: int, message: str
) -> None:
    assert answer_to(monkeypatch, body, outcome) == (status, {"message": message}), defect


def test_the_event_recorded_is_the_one_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    heard: list[CardEvent] = []

    def recorded(sent: CardEvent) -> CardEventOutcome:
        heard.append(sent)
        return CardEventOutcome(event_id=sent.event_id, accrued=True, cashback_minor=87, told="told")

    monkeypatch.setattr(service, "record_card_event", recorded)
    service.accept_card_event(HttpRequest(body=VALID))

    assert heard == [event()]


# --- what is recorded and counted --------------------------------------------------------------------
def test_an_accrual_and_a_notice_are_counted(
    world: World, emitted_metrics: Callable[[], dict[str, tuple[str, float]]]
) -> None:
    world.hear(event())

    assert emitted_metrics() == {"CashbackAccrued": ("Count", 1.0), "PurchaseNoticesSent": ("Count", 1.0)}


def test_the_accrual_keeps_the_partner_and_a_declined_purchase_no_rate(world: World) -> None:
    world.hear(event())
    world.hear(event(event_id="evt_d1", kind="purchase_declined", purchase_id=None, reason="card_blocked"))

    by_event = {a.event_id: a for a in world.accruals.accruals(world.customer_id, "2026-03")}
    assert (by_event["evt_op_1"].partner, by_event["evt_d1"].rate_percent) == ("burgerking", Decimal(0))


def test_a_refund_takes_back_at_its_own_purchases_rate_not_another_purchases(world: World) -> None:
    corner: dict[str, Any] = {"amount_minor": 2_000, "mcc": "5411", "merchant": "Corner", "partner": None}
    world.hear(event())  # Burger King at 7 %
    world.hear(event(event_id="evt_op_2", purchase_id="op_2", **corner))  # groceries at 2 %

    outcome = world.hear(event(event_id="evt_op_3", kind="purchase_refunded", purchase_id="op_2", **corner))

    assert outcome is not None and outcome.cashback_minor == -40  # 2 % of 20.00


def test_a_refund_sent_without_its_purchase_takes_back_at_todays_rate(world: World) -> None:
    outcome = world.hear(event(event_id="evt_op_2", kind="purchase_refunded", purchase_id=None))

    assert outcome is not None and outcome.cashback_minor == -87


def test_a_purchase_cleared_in_two_parts_earns_on_both(world: World) -> None:
    world.hear(event())

    second = world.hear(event(event_id="evt_op_1b"))

    assert second is not None and second.cashback_minor == 87


def test_the_rate_is_the_programmes_given(world: World) -> None:
    in_usd = programs().model_copy(update={"currency": "USD"})

    outcome = service.record_card_event(
        event(), accruals=world.accruals, customers=world.customers, config=in_usd,
        activated=world.offers.activations, tell=world.chats.tell, clock=lambda: AT,
    )  # fmt: skip

    assert outcome is not None and outcome.cashback_minor == 0  # a BYN purchase under a USD programme


def test_the_refusals_name_their_event(world: World) -> None:
    world.hear(event())
    with pytest.raises(CardEventConflict) as conflict:
        world.hear(event(amount_minor=1_251))
    world.chats.failing = {"telegram:7001"}
    with pytest.raises(CustomerNotReached) as unreached:
        world.hear(event(event_id="evt_op_2", purchase_id="op_2"))

    assert (conflict.value.details, unreached.value.details) == ({"event_id": "evt_op_1"}, {"event_id": "evt_op_2"})


# --- telling -------------------------------------------------------------------------------------------
def test_a_chat_after_one_that_failed_is_still_told(world: World) -> None:
    world.customers.link_identity(world.customer_id, VIBER, AT)
    first = world.customers.identities(world.customer_id)[0]
    world.chats.failing = {f"{first.channel}:{first.chat_id}"}

    outcome = world.hear(event())

    assert outcome is not None and outcome.told == "told"
    assert len(world.chats.sent) == 1


def test_told_when_one_chat_of_two_took_the_notice(world: World) -> None:
    world.customers.link_identity(world.customer_id, VIBER, AT)
    first = world.customers.identities(world.customer_id)[0]

    def tell(request: NotifyRequest) -> Notified:
        took = request.chat_key == f"{first.channel}:{first.chat_id}"
        return Notified(delivered=took, outcome="sent" if took else "recipient_unavailable")

    world.chats.tell = tell  # type: ignore[method-assign]

    outcome = world.hear(event())

    assert outcome is not None and outcome.told == "told"


def test_a_notice_no_chat_took_is_unreachable(world: World) -> None:
    world.chats.tell = lambda _: Notified(delivered=False, outcome="recipient_unavailable")  # type: ignore[method-assign,assignment]

    outcome = world.hear(event())

    assert outcome is not None and (outcome.accrued, outcome.told) == (True, "unreachable")


def test_a_customer_without_a_chat_is_not_told(world: World) -> None:
    (binding,) = world.customers.bindings(world.customer_id)
    world.customers.unbind(binding)

    outcome = world.hear(event())

    assert outcome is not None and (outcome.accrued, outcome.told) == (True, "no_chat")


def test_the_categories_chosen_are_read_where_given(world: World) -> None:
    cinema = event(partner=None, merchant="Silver Screen", mcc="7832", amount_minor=1_500)

    outcome = service.record_card_event(
        cinema, accruals=world.accruals, customers=world.customers, config=programs(),
        activated=world.offers.activations, chosen=lambda *_: ("cinema",), tell=world.chats.tell, clock=lambda: AT,
    )  # fmt: skip

    assert outcome is not None and outcome.cashback_minor == 150  # chosen for March: 10 % of 15.00


# --- an authorization held, then cleared (cashback on the cleared amount) or released -----------------------
def held(**changed: Any) -> CardEvent:
    """An authorization of 25.00 BYN at Burger King, 25.00 BYN left available."""
    fields: dict[str, Any] = {
        "event_id": "evt_auth_1",
        "kind": "authorization_held",
        "authorization_id": "auth_1",
        "purchase_id": None,
        "amount_minor": 2_500,
        "available_minor": 2_500,
    }
    return event(**{**fields, **changed})


def test_an_authorization_held_is_told_with_what_is_available_and_earns_nothing(world: World) -> None:
    outcome = world.hear(held())

    assert outcome == CardEventOutcome(event_id="evt_auth_1", accrued=True, cashback_minor=0, told="told")
    (notice,) = world.chats.sent
    assert notice.message == "purchase.held"
    assert (notice.values["amount"], notice.values["available"]) == ("25.00\u00a0BYN", "25.00\u00a0BYN")
    assert notice.values["merchant"] == "Burger King Nemiga"
    (accrual,) = world.accruals.accruals(world.customer_id, "2026-03")
    assert (accrual.kind, accrual.cashback_minor) == ("authorization_held", 0)


def test_the_clearing_of_an_authorization_earns_on_the_cleared_amount_not_the_held_one(world: World) -> None:
    world.hear(held())

    # cleared at 27.50 BYN (a tip): Burger King's 7 % of 27.50 is 192.5 kopecks, rounded down
    outcome = world.hear(event(event_id="evt_op_2", purchase_id="op_2", authorization_id="auth_1", amount_minor=2_750))

    assert outcome is not None and outcome.cashback_minor == 192
    assert [n.message for n in world.chats.sent] == ["purchase.held", "purchase.cleared"]
    assert world.chats.sent[-1].values["amount"] == "27.50\u00a0BYN"
    assert sum(a.cashback_minor for a in world.accruals.accruals(world.customer_id, "2026-03")) == 192


def test_a_clearing_delivered_again_accrues_and_tells_once(world: World) -> None:
    cleared = event(event_id="evt_op_2", purchase_id="op_2", authorization_id="auth_1", amount_minor=2_750)
    world.hear(cleared)

    again = world.hear(cleared)

    assert again == CardEventOutcome(event_id="evt_op_2", accrued=False, cashback_minor=192, told="already_told")
    assert len(world.chats.sent) == 1
    assert sum(a.cashback_minor for a in world.accruals.accruals(world.customer_id, "2026-03")) == 192


@pytest.mark.parametrize(
    ("reason", "message"),
    [("reversed", "purchase.released.reversed"), ("expired", "purchase.released.expired")],
)
def test_a_released_authorization_is_told_with_its_reason_and_earns_nothing(
    world: World, reason: str, message: str
) -> None:
    world.hear(held())

    outcome = world.hear(
        held(event_id="evt_auth_1_released", kind="authorization_released", reason=reason, available_minor=5_000)
    )

    assert outcome == CardEventOutcome(event_id="evt_auth_1_released", accrued=True, cashback_minor=0, told="told")
    notice = world.chats.sent[-1]
    assert (notice.message, notice.values["available"]) == (message, "50.00\u00a0BYN")
    assert sum(a.cashback_minor for a in world.accruals.accruals(world.customer_id, "2026-03")) == 0


def test_a_held_authorization_delivered_again_is_told_once(world: World) -> None:
    world.hear(held())
    again = world.hear(held())
    assert again == CardEventOutcome(event_id="evt_auth_1", accrued=False, cashback_minor=0, told="already_told")
    assert len(world.chats.sent) == 1


def test_a_held_event_id_sent_again_with_another_amount_is_a_conflict(world: World) -> None:
    world.hear(held())
    with pytest.raises(CardEventConflict):
        world.hear(held(amount_minor=2_501))
