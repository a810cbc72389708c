"""Paying a money request moves the money once, and the answer stands whatever the messengers do."""

from __future__ import annotations

from typing import Any

from messenger_bank.channels.errors import PlatformError
from messenger_bank.notices.models import NotifyRequest
from messenger_bank.requests.models import AnswerMoneyRequest
from messenger_bank.requests.service import pay_money_request
from tests.unit.requests.conftest import NOW, REQUEST_ID, World


def test_a_paid_request_stands_when_no_messenger_takes_the_notice(world: World) -> None:
    customers, requests, core = world.customers, world.requests, world.core

    def messenger_down(_: NotifyRequest) -> Any:
        raise RuntimeError("the messenger is down")

    answered = pay_money_request(
        AnswerMoneyRequest(customer_id="c_1", request_id=REQUEST_ID),
        requests=requests, customers_repository=customers, core=core, tell=messenger_down,  # type: ignore[arg-type]
        clock=lambda: NOW,
    )  # fmt: skip

    assert answered.status == "paid"
    assert [(t.from_account_id, t.to_account_id, t.amount) for t in core.transfers] == [
        ("acc_card1", "acc_card2", 2_500)
    ]


def test_the_requester_is_told_on_each_of_their_chats_even_if_one_fails(world: World) -> None:
    customers, requests = world.customers, world.requests
    told: list[str] = []

    def tell(notice: NotifyRequest) -> Any:
        if notice.chat_key.startswith("viber:"):
            raise PlatformError("viber refused send: 503")
        told.append(notice.chat_key)

    pay_money_request(
        AnswerMoneyRequest(customer_id="c_1", request_id=REQUEST_ID),
        requests=requests, customers_repository=customers, core=world.core, tell=tell,  # type: ignore[arg-type]
        clock=lambda: NOW,
    )  # fmt: skip

    assert told == ["whatsapp:w2"]
