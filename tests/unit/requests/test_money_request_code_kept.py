"""A code checked for a payment's attempt stays checked for that attempt: pressing Pay again after the bank's
answer was lost (the request stays `paying`) replays the same payment, without asking for a new code.

The policy (POLICY: 20.00 free of a code, 50.00 a day) puts the request (AMOUNT, 25.00) above the free amount."""

from __future__ import annotations

import pytest

from messenger_bank.spending.errors import CodeRequired
from tests.unit.requests.conftest import AMOUNT, REQUEST_ID, World
from tests.unit.requests.test_money_request_step_up import FakeCerberus, pay, spent


def test_a_stepped_up_payment_whose_answer_was_lost_is_replayed_without_a_new_code(world: World) -> None:
    cerberus = FakeCerberus()
    with pytest.raises(CodeRequired):
        pay(world, cerberus)
    world.core.lose_next_answer = True
    with pytest.raises(TimeoutError):
        pay(world, cerberus, code="123456")  # committed at the bank; the answer was lost

    answered = pay(world, cerberus)  # pressed again, no code typed

    assert (answered.status, answered.operation_id) == ("paid", "op1")
    assert len(cerberus.sent) == 1  # the one code, sent before the first press with it
    assert [t.idempotency_key for t in world.core.transfers] == [f"request:{REQUEST_ID}:pay:0"]
    assert spent(world) == AMOUNT
