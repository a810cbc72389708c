"""What each side of a money request reads, field by field, from one valid request: the payer gets "who asks for
how much" in their own language on their chat with Pay and Decline buttons that open this request; the view of a
request names the requester by a masked phone; the requester is told on each chat in their language who paid or
declined and how much; the money comes from the payer's virtual card before a plastic one; a payment and a notice
that no chat took are counted for the alarms."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from messenger_bank.channels.client import RecipientUnavailable
from messenger_bank.channels.models import ChatRef, OutboundMessage, OutsideWindow, SentMessage
from messenger_bank.customers.models import Card
from messenger_bank.notices.models import NotifyRequest
from messenger_bank.requests import service
from messenger_bank.requests.errors import MoneyRequestClosed
from messenger_bank.requests.models import (
    AnswerMoneyRequest,
    MoneyRequestAnswered,
    MoneyRequested,
    OpenMoneyRequest,
    RequestMoneyRequest,
)
from messenger_bank.requests.service import (
    decline_money_request,
    open_money_request,
    pay_money_request,
    request_money,
)
from tests.unit.requests.conftest import NOW, PAYER, REQUEST_ID, REQUESTER, World

Metrics = Callable[[], dict[str, tuple[str, float]]]
PAYER_SHOWN = "+375 29 ***-00-01"  # c_1's phone +375297000001 as a message shows it
REQUESTER_SHOWN = "+375 29 ***-00-02"  # c_2's phone +375297000002


def speaks(world: World, customer_id: str, language: str) -> None:
    """The customer chose another language (the fixture's customers speak Russian)."""
    world.customers.table.update_item(
        Key={"pk": f"CUSTOMER#{customer_id}", "sk": "PROFILE"},
        UpdateExpression="SET #l = :l",
        ExpressionAttributeNames={"#l": "language"},
        ExpressionAttributeValues={":l": language},
    )


# --- asking: what the payer gets ------------------------------------------------------------------------------
@dataclass
class Chats:
    reachable: bool = True
    sent: list[tuple[ChatRef, OutboundMessage]] = field(default_factory=list)

    def send(self, chat: ChatRef, message: OutboundMessage) -> SentMessage | RecipientUnavailable:
        self.sent.append((chat, message))
        if not self.reachable:
            return RecipientUnavailable(chat=chat, reason="blocked")
        return SentMessage(chat=chat, message_ids=("m1",))

    def send_notice(
        self, chat: ChatRef, message: OutboundMessage, outside: OutsideWindow, *, window_open: bool
    ) -> tuple[SentMessage | RecipientUnavailable, str]:
        return self.send(chat, message), "free_form"


def ask(world: World, chats: Chats) -> MoneyRequested:
    """c_2 asks c_1 (phone +375297000001) for 12.34 BYN."""
    return request_money(
        RequestMoneyRequest(customer_id=REQUESTER, phone="+375297000001", amount_minor=1_234, currency="BYN"),
        requests=world.requests,
        customers_repository=world.customers,
        messages=chats,  # type: ignore[arg-type]
        clock=lambda: NOW,
    )


def test_the_payer_is_asked_on_their_chat_in_their_language_who_asks_and_for_how_much(world: World) -> None:
    speaks(world, PAYER, "be")  # neither the fixture's Russian nor the catalogue's fallback, English
    chats = Chats()

    ask(world, chats)

    [(chat, message)] = chats.sent
    assert chat == ChatRef(channel="telegram", chat_id="u1")
    assert message.text == f"{REQUESTER_SHOWN} просіць у вас 12.34 BYN."


def test_the_payers_buttons_pay_or_decline_this_request(world: World) -> None:
    speaks(world, PAYER, "be")
    chats = Chats()

    asked = ask(world, chats)

    [(_, message)] = chats.sent
    assert [[(b.label, b.payload) for b in row] for row in message.buttons] == [
        [
            ("💸 Аплаціць", f"g:go:money_request:open:pay.{asked.request_id}"),
            ("Адхіліць", f"g:go:money_request:open:decline.{asked.request_id}"),
        ]
    ]


def test_the_answer_names_the_request_kept_for_the_payer(world: World) -> None:
    asked = ask(world, Chats())

    kept = world.requests.get(asked.request_id, PAYER, now=0)
    assert (kept.requester_id, kept.amount_minor, kept.currency) == (REQUESTER, 1_234, "BYN")


@pytest.mark.parametrize(("reachable", "delivered"), [(True, True), (False, False)])
def test_the_answer_says_whether_the_payers_chat_took_the_message(
    world: World, reachable: bool, delivered: bool
) -> None:
    asked = ask(world, Chats(reachable=reachable))

    assert asked.delivered is delivered
    assert world.requests.get(asked.request_id, PAYER, now=0).status == "pending"  # kept either way


# --- opening: what the payer sees ------------------------------------------------------------------------------
@pytest.mark.parametrize("action", ["pay", "decline"])
def test_the_request_opens_for_the_button_pressed_with_the_masked_requester_and_the_amount(
    world: World, action: str
) -> None:
    view = open_money_request(
        OpenMoneyRequest(customer_id=PAYER, ref=f"{action}.{REQUEST_ID}"),
        requests=world.requests,
        customers_repository=world.customers,
        clock=lambda: NOW,
    )

    assert view.model_dump() == {
        "request_id": REQUEST_ID,
        "action": action,
        "requester": REQUESTER_SHOWN,
        "amount_minor": 2_500,
        "currency": "BYN",
        "amount": "25.00 BYN",
    }


# --- answering: what the requester is told ------------------------------------------------------------------------
def pay(world: World, tell: Callable[[NotifyRequest], object]) -> MoneyRequestAnswered:
    return pay_money_request(
        AnswerMoneyRequest(customer_id=PAYER, request_id=REQUEST_ID),
        requests=world.requests,
        customers_repository=world.customers,
        core=world.core,  # type: ignore[arg-type]
        tell=tell,
        clock=lambda: NOW,
    )


def decline(world: World, tell: Callable[[NotifyRequest], object]) -> MoneyRequestAnswered:
    return decline_money_request(
        AnswerMoneyRequest(customer_id=PAYER, request_id=REQUEST_ID),
        requests=world.requests,
        customers_repository=world.customers,
        tell=tell,
        clock=lambda: NOW,
    )


@pytest.mark.parametrize(
    ("answer", "message"), [(pay, "money_request.paid"), (decline, "money_request.declined_to_requester")]
)
def test_the_requester_is_told_on_each_chat_in_their_language_who_answered_and_the_amount(
    world: World, answer: Any, message: str
) -> None:
    speaks(world, REQUESTER, "en")
    told: list[NotifyRequest] = []

    answer(world, told.append)

    assert sorted((n.chat_key, n.language, n.message, n.values["amount"], n.values["payer"]) for n in told) == [
        ("viber:u2", "en", message, "25.00 BYN", PAYER_SHOWN),
        ("whatsapp:w2", "en", message, "25.00 BYN", PAYER_SHOWN),
    ]


def test_a_declined_request_answers_declined_with_the_amount_and_no_operation(world: World) -> None:
    answered = decline(world, lambda _: None)

    assert answered == MoneyRequestAnswered(request_id=REQUEST_ID, status="declined", amount="25.00 BYN")


def test_a_paid_request_answers_with_the_banks_operation(world: World) -> None:
    answered = pay(world, lambda _: None)

    assert answered == MoneyRequestAnswered(
        request_id=REQUEST_ID, status="paid", amount="25.00 BYN", operation_id="op1"
    )


def test_the_transfer_is_in_the_requests_currency_and_names_the_request(world: World) -> None:
    pay(world, lambda _: None)

    assert [(t.currency, t.reference) for t in world.core.transfers] == [("BYN", REQUEST_ID)]


def test_the_payer_pays_from_their_virtual_card_before_an_older_plastic_one(world: World) -> None:
    world.customers.put_card(
        Card(card_id="card0", customer_id=PAYER, mask="411111******0000", kind="plastic", expiry="12/29",
             issued_at=NOW - timedelta(days=30))
    )  # fmt: skip
    world.core.balances["acc_card0"] = 10_000

    pay(world, lambda _: None)

    assert [t.from_account_id for t in world.core.transfers] == ["acc_card1"]
    assert world.core.balances["acc_card0"] == 10_000


def test_the_payer_pays_from_their_oldest_virtual_card(world: World) -> None:
    world.customers.put_card(
        Card(card_id="card0", customer_id=PAYER, mask="411111******0000", expiry="12/29",
             issued_at=NOW + timedelta(days=1))
    )  # fmt: skip
    world.core.balances["acc_card0"] = 10_000

    pay(world, lambda _: None)

    assert [t.from_account_id for t in world.core.transfers] == ["acc_card1"]


# --- metrics ----------------------------------------------------------------------------------------------------
def test_a_paid_request_is_counted_once(world: World, emitted_metrics: Metrics) -> None:
    pay(world, lambda _: None)

    assert emitted_metrics() == {"MoneyRequestsPaid": ("Count", 1.0)}


def test_a_declined_request_is_not_counted_as_paid(world: World, emitted_metrics: Metrics) -> None:
    decline(world, lambda _: None)

    assert emitted_metrics() == {}


def test_each_chat_that_refuses_the_notice_is_counted(world: World, emitted_metrics: Metrics) -> None:
    def refuses(_: NotifyRequest) -> None:
        raise RuntimeError("the messenger is down")

    decline(world, refuses)

    assert emitted_metrics() == {"MoneyRequestNoticeFailed": ("Count", 2.0)}  # c_2's two chats


def test_a_requester_who_cannot_be_found_is_counted_once_and_the_answer_stands(
    world: World, emitted_metrics: Metrics
) -> None:
    world.customers.table.delete_item(Key={"pk": f"CUSTOMER#{REQUESTER}", "sk": "PROFILE"})
    told: list[NotifyRequest] = []

    assert decline(world, told.append).status == "declined"
    assert told == [] and emitted_metrics() == {"MoneyRequestNoticeFailed": ("Count", 1.0)}


# --- opening a request in each status -----------------------------------------------------------------------------
def view(world: World) -> Any:
    return open_money_request(
        OpenMoneyRequest(customer_id=PAYER, ref=f"pay.{REQUEST_ID}"),
        requests=world.requests,
        customers_repository=world.customers,
        clock=lambda: NOW,
    )


def test_a_request_whose_payment_is_under_way_still_opens(world: World) -> None:
    world.requests.move(REQUEST_ID, PAYER, to="paying", allowed=("pending",))  # pressed Pay; the answer was lost

    assert view(world).amount == "25.00 BYN"


@pytest.mark.parametrize("answered", ["paid", "declined"])
def test_an_answered_request_is_closed_and_names_the_request(world: World, answered: str) -> None:
    world.requests.move(REQUEST_ID, PAYER, to=answered, allowed=("pending",))

    with pytest.raises(MoneyRequestClosed) as closed:
        view(world)
    assert closed.value.details == {"request_id": REQUEST_ID}


# --- a payment under way ----------------------------------------------------------------------------------------
def test_a_request_whose_payment_is_under_way_cannot_be_declined(world: World) -> None:
    world.requests.move(REQUEST_ID, PAYER, to="paying", allowed=("pending",))
    told: list[NotifyRequest] = []

    with pytest.raises(MoneyRequestClosed):
        decline(world, told.append)
    assert told == [] and world.requests.get(REQUEST_ID, PAYER, now=0).status == "paying"


@pytest.mark.parametrize("who", [REQUESTER, "c_3"])
def test_nobody_but_the_payer_can_finish_a_payment_under_way(world: World, who: str) -> None:
    world.requests.move(REQUEST_ID, PAYER, to="paying", allowed=("pending",))

    with pytest.raises(MoneyRequestClosed):
        pay_money_request(
            AnswerMoneyRequest(customer_id=who, request_id=REQUEST_ID),
            requests=world.requests,
            customers_repository=world.customers,
            core=world.core,  # type: ignore[arg-type]
            tell=lambda _: None,
            clock=lambda: NOW,
        )
    assert world.core.transfers == [] and world.requests.get(REQUEST_ID, PAYER, now=0).status == "paying"


def test_the_default_clock_is_the_current_time_in_utc() -> None:
    before = time.time()

    now = service._now()

    assert now.utcoffset() == timedelta(0)
    assert before <= now.timestamp() <= time.time()


def test_a_second_press_that_finds_the_request_paid_by_the_first_answers_paid(world: World) -> None:
    transfer = world.core.transfer

    def first_press_finishes_meanwhile(request: Any) -> Any:
        done = transfer(request)
        world.requests.move(REQUEST_ID, PAYER, to="paid", allowed=("paying",))  # the other press marked it paid
        return done

    world.core.transfer = first_press_finishes_meanwhile  # type: ignore[method-assign]

    assert pay(world, lambda _: None).status == "paid"
    assert len(world.core.transfers) == 1
