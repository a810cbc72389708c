"""Each rule of a money request, tested from a valid request with one thing changed: only the customer
asked pays or declines, an answered or expired request is closed (expiry on both sides), the amount
moves once from the payer's account to the requester's, a refusal leaves it open, and a key the bank
knows with another body never reopens it. Balances are worked out by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from messenger_bank.channels.models import ChatRef, OutboundMessage, OutsideWindow, SentMessage
from messenger_bank.customers.models import Card
from messenger_bank.errors import CardNotFound, CustomerNotFound, IdempotencyConflict, InsufficientFunds, LimitExceeded
from messenger_bank.requests.errors import MoneyRequestClosed, MoneyRequestNotFound, OwnPhone
from messenger_bank.requests.models import (
    AnswerMoneyRequest,
    MoneyRequestAnswered,
    MoneyRequestView,
    OpenMoneyRequest,
    RequestMoneyRequest,
)
from messenger_bank.requests.service import (
    decline_money_request,
    open_money_request,
    pay_money_request,
    request_money,
)
from tests.unit.requests.conftest import AMOUNT, EXPIRES_AT, NOW, PAYER, REQUEST_ID, REQUESTER, STRANGER, World

AT_EXPIRY = NOW.fromtimestamp(EXPIRES_AT, NOW.tzinfo)
LAST_SECOND = NOW.fromtimestamp(EXPIRES_AT - 1, NOW.tzinfo)


def pay(world: World, customer_id: str = PAYER, *, at: Any = NOW) -> MoneyRequestAnswered:
    return pay_money_request(
        AnswerMoneyRequest(customer_id=customer_id, request_id=REQUEST_ID),
        requests=world.requests,
        customers_repository=world.customers,
        core=world.core,  # type: ignore[arg-type]
        tell=world.told.append,
        clock=lambda: at,
    )


def decline(world: World, customer_id: str = PAYER, *, at: Any = NOW) -> MoneyRequestAnswered:
    return decline_money_request(
        AnswerMoneyRequest(customer_id=customer_id, request_id=REQUEST_ID),
        requests=world.requests,
        customers_repository=world.customers,
        tell=world.told.append,
        clock=lambda: at,
    )


def open_(world: World, customer_id: str = PAYER, *, at: Any = NOW, action: str = "pay") -> MoneyRequestView:
    return open_money_request(
        OpenMoneyRequest(customer_id=customer_id, ref=f"{action}.{REQUEST_ID}"),
        requests=world.requests,
        customers_repository=world.customers,
        clock=lambda: at,
    )


def status(world: World) -> str:
    return world.requests.get(REQUEST_ID, PAYER, now=0).status


def nothing_moved(world: World) -> bool:
    return world.core.transfers == [] and world.core.balances["acc_card1"] == 10_000


# --- the valid case ---------------------------------------------------------------------------------------------
def test_the_payer_pays_the_asked_amount_from_their_account_to_the_requesters(world: World) -> None:
    answered = pay(world)

    assert (answered.status, answered.amount, status(world)) == ("paid", "25.00 BYN", "paid")
    assert world.core.balances == {"acc_card1": 7_500, "acc_card2": 2_500, "acc_card3": 0}
    assert [t.idempotency_key for t in world.core.transfers] == [f"request:{REQUEST_ID}:pay:0"]
    assert [n.message for n in world.told] == ["money_request.paid", "money_request.paid"]  # both chats of c_2


# --- who may answer ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", [REQUESTER, STRANGER])
def test_only_the_customer_asked_can_pay_the_request(world: World, who: str) -> None:
    with pytest.raises(MoneyRequestClosed):
        pay(world, who)

    assert nothing_moved(world) and world.told == []
    assert status(world) == "pending"  # the payer still can
    assert pay(world).status == "paid"


@pytest.mark.parametrize("who", [REQUESTER, STRANGER])
def test_only_the_customer_asked_can_decline_the_request(world: World, who: str) -> None:
    with pytest.raises(MoneyRequestClosed):
        decline(world, who)

    assert status(world) == "pending" and world.told == []


@pytest.mark.parametrize("who", [REQUESTER, STRANGER])
def test_only_the_customer_asked_sees_the_request(world: World, who: str) -> None:
    with pytest.raises(MoneyRequestNotFound):
        open_(world, who)


# --- answered requests are closed ----------------------------------------------------------------------------
def test_a_declined_request_cannot_be_paid(world: World) -> None:
    decline(world)

    with pytest.raises(MoneyRequestClosed):
        pay(world)
    assert nothing_moved(world) and status(world) == "declined"


def test_a_paid_request_cannot_be_paid_again(world: World) -> None:
    pay(world)

    with pytest.raises(MoneyRequestClosed):
        pay(world)
    assert len(world.core.transfers) == 1 and world.core.balances["acc_card1"] == 7_500


def test_a_paid_request_cannot_be_declined(world: World) -> None:
    pay(world)

    with pytest.raises(MoneyRequestClosed):
        decline(world)
    assert status(world) == "paid"


def test_a_declined_request_cannot_be_declined_twice(world: World) -> None:
    decline(world)

    with pytest.raises(MoneyRequestClosed):
        decline(world)
    assert [n.message for n in world.told] == ["money_request.declined_to_requester"] * 2  # told once, on 2 chats


@pytest.mark.parametrize("answer", [pay, decline])
def test_an_answered_request_does_not_open_again(world: World, answer: Any) -> None:
    answer(world)

    with pytest.raises(MoneyRequestClosed):
        open_(world)


# --- expiry, both sides ---------------------------------------------------------------------------------------
def test_a_request_can_be_paid_in_its_last_second(world: World) -> None:
    assert pay(world, at=LAST_SECOND).status == "paid"


def test_an_expired_request_cannot_be_paid(world: World) -> None:
    with pytest.raises(MoneyRequestClosed):
        pay(world, at=AT_EXPIRY)
    assert nothing_moved(world) and status(world) == "pending"


def test_a_request_can_be_declined_in_its_last_second(world: World) -> None:
    assert decline(world, at=LAST_SECOND).status == "declined"


def test_an_expired_request_cannot_be_declined(world: World) -> None:
    with pytest.raises(MoneyRequestClosed):
        decline(world, at=AT_EXPIRY)
    assert world.told == []


def test_a_request_opens_in_its_last_second_and_not_at_its_expiry(world: World) -> None:
    assert open_(world, at=LAST_SECOND).amount == "25.00 BYN"
    with pytest.raises(MoneyRequestNotFound):
        open_(world, at=AT_EXPIRY)


# --- refusals and retries: money moves once --------------------------------------------------------------
def test_a_refused_payment_moves_nothing_and_leaves_the_request_open_for_a_new_attempt(world: World) -> None:
    world.core.balances["acc_card1"] = AMOUNT - 1

    with pytest.raises(InsufficientFunds):
        pay(world)
    assert world.core.transfers == [] and status(world) == "pending"

    world.core.balances["acc_card1"] = AMOUNT  # topped up: exactly enough
    assert pay(world).status == "paid"
    assert [t.idempotency_key for t in world.core.transfers] == [f"request:{REQUEST_ID}:pay:1"]
    assert world.core.balances["acc_card1"] == 0


def test_a_payment_above_the_banks_limit_moves_nothing_and_leaves_the_request_open(world: World) -> None:
    world.core.limit_per_operation = AMOUNT - 1

    with pytest.raises(LimitExceeded):
        pay(world)
    assert nothing_moved(world) and status(world) == "pending"


def test_a_payment_the_bank_refuses_for_a_closed_account_moves_nothing_and_leaves_the_request_open(
    world: World,
) -> None:
    del world.core.balances["acc_card2"]  # the requester's account is gone at the bank

    with pytest.raises(CardNotFound):
        pay(world)
    assert nothing_moved(world) and status(world) == "pending"


def test_a_payer_without_an_active_card_can_still_decline_afterwards(world: World) -> None:
    world.customers.put_card(
        Card(card_id="card1", customer_id=PAYER, mask="411111******1111", expiry="12/29", issued_at=NOW,
             status="blocked")
    )  # fmt: skip

    with pytest.raises(CardNotFound):
        pay(world)
    assert nothing_moved(world) and status(world) == "pending"
    assert decline(world).status == "declined"


def test_a_payment_whose_answer_was_lost_is_not_paid_twice_when_pressed_again(world: World) -> None:
    world.core.lose_next_answer = True
    with pytest.raises(TimeoutError):
        pay(world)

    assert pay(world).operation_id == "op1"  # the same key: the bank's first answer
    assert len(world.core.transfers) == 1 and world.core.balances["acc_card1"] == 7_500


def test_a_key_the_bank_knows_with_another_body_never_reopens_the_request(world: World) -> None:
    world.core.lose_next_answer = True
    with pytest.raises(TimeoutError):
        pay(world)  # committed at the bank from acc_card1; the answer was lost
    world.customers.put_card(
        Card(card_id="card1", customer_id=PAYER, mask="411111******1111", expiry="12/29", issued_at=NOW,
             status="blocked")
    )  # fmt: skip
    world.customers.put_card(
        Card(card_id="card4", customer_id=PAYER, mask="411111******4444", expiry="12/29", issued_at=NOW)
    )
    world.core.balances["acc_card4"] = 10_000

    for _ in range(2):  # the payer presses Pay again, twice
        with pytest.raises(IdempotencyConflict):
            pay(world)

    assert status(world) == "paying"
    assert len(world.core.transfers) == 1 and world.core.balances["acc_card4"] == 10_000


# --- asking --------------------------------------------------------------------------------------------------------
@dataclass
class Messages:
    sent: list[tuple[ChatRef, OutboundMessage]] = field(default_factory=list)

    def send(self, chat: ChatRef, message: OutboundMessage) -> SentMessage:
        self.sent.append((chat, message))
        return SentMessage(chat=chat, message_ids=(str(len(self.sent)),))  # as the platforms answer

    def send_notice(
        self, chat: ChatRef, message: OutboundMessage, outside: OutsideWindow, *, window_open: bool
    ) -> tuple[SentMessage, str]:
        return self.send(chat, message), "free_form"


def ask(world: World, phone: str, customer_id: str = REQUESTER) -> str:
    asked = request_money(
        RequestMoneyRequest(customer_id=customer_id, phone=phone, amount_minor=1_234, currency="BYN"),
        requests=world.requests,
        customers_repository=world.customers,
        messages=Messages(),  # type: ignore[arg-type]
        clock=lambda: NOW,
    )
    return asked.request_id


def test_a_request_is_addressed_to_the_owner_of_the_phone_and_lives_seven_days(world: World) -> None:
    request_id = ask(world, "+375297000001")

    kept = world.requests.get(request_id, PAYER, now=0)
    assert (kept.requester_id, kept.payer_id, kept.amount_minor, kept.status) == (REQUESTER, PAYER, 1_234, "pending")
    assert kept.expires_at == int(NOW.timestamp()) + 604_800  # 7 × 24 × 3600


def test_asking_ones_own_phone_is_refused(world: World) -> None:
    with pytest.raises(OwnPhone):
        ask(world, "+375297000002")


def test_asking_a_phone_nobody_banks_with_is_refused(world: World) -> None:
    with pytest.raises(CustomerNotFound):
        ask(world, "+375297000009")
