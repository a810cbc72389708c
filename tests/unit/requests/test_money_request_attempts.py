"""Each attempt at paying a money request is its own operation in today's money out and its own step-up
challenge: a refused attempt is given back (stamped with the time), the next one is counted again and asks
for a code again, and the code is sent for a money request's purpose.

The policy (POLICY: 20.00 free of a code, 50.00 a day) puts the request (AMOUNT, 25.00) above the free amount;
GENEROUS lets it through without a code."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from messenger_bank.banking.models.cerberus import OneTimeCode
from messenger_bank.errors import InsufficientFunds
from messenger_bank.spending.errors import CodeRequired
from tests.unit.requests.conftest import AMOUNT, NOW, PAYER, REQUEST_ID, World
from tests.unit.requests.test_money_request_step_up import GENEROUS, FakeCerberus, pay, spent


@dataclass
class PurposeCerberus(FakeCerberus):
    purposes: list[str] = field(default_factory=list)

    def send_code(self, phone: str, purpose: str) -> OneTimeCode:
        self.purposes.append(purpose)
        return super().send_code(phone, purpose)


def refuse_then_top_up(world: World, cerberus: FakeCerberus, **kwargs: object) -> None:
    world.core.balances["acc_card1"] = AMOUNT - 1
    with pytest.raises(InsufficientFunds):
        pay(world, cerberus, **kwargs)  # type: ignore[arg-type]
    world.core.balances["acc_card1"] = AMOUNT


def test_the_code_is_sent_for_a_money_request(world: World) -> None:
    cerberus = PurposeCerberus()

    with pytest.raises(CodeRequired):
        pay(world, cerberus)
    assert cerberus.purposes == ["money_request"]


def test_an_attempt_the_bank_refused_is_given_back_and_the_next_attempt_is_counted(world: World) -> None:
    cerberus = FakeCerberus()
    refuse_then_top_up(world, cerberus, policy=GENEROUS)
    assert spent(world) == 0

    assert pay(world, cerberus, policy=GENEROUS).status == "paid"
    assert spent(world) == AMOUNT


def test_a_refused_attempt_is_given_back_at_the_time_of_the_refusal(world: World) -> None:
    refuse_then_top_up(world, FakeCerberus(), policy=GENEROUS)

    first_attempt = {"pk": f"SPENDING#{PAYER}", "sk": f"OP#request:{REQUEST_ID}:pay:0"}
    marker = world.requests.table.get_item(Key=first_attempt).get("Item")
    assert marker is not None and marker["released_at"] == int(NOW.timestamp())


def test_a_code_checked_for_a_refused_attempt_does_not_step_up_the_next_attempt(world: World) -> None:
    cerberus = FakeCerberus()
    with pytest.raises(CodeRequired):
        pay(world, cerberus)
    refuse_then_top_up(world, cerberus, code="123456")

    with pytest.raises(CodeRequired):
        pay(world, cerberus)  # attempt 1: its own challenge, not yet checked
    assert (len(cerberus.sent), world.core.transfers) == (2, [])
