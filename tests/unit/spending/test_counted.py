"""``spending.counted``: the shape every debit of a quote shares (bill payments, transfers). Each case
one thing changed from a debit under the free amount that the bank accepts."""

from __future__ import annotations

from contextlib import AbstractContextManager

import pytest

from messenger_bank.errors import InsufficientFunds
from messenger_bank.spending import service
from messenger_bank.spending.errors import CodeRequired
from tests.unit.spending.conftest import CUSTOMER, NOW, POLICY, World

QUOTE = "q-1"
OPERATION = "payment:p1"


class BankTimedOut(Exception):
    """Not a refusal: the money may have left."""


def counted(world: World, amount: int, challenge: str = QUOTE) -> AbstractContextManager[None]:
    return service.counted(
        CUSTOMER,
        OPERATION,
        amount,
        challenge=challenge,
        refusals=(InsufficientFunds,),
        settings=POLICY,
        repository=world.spending,
        clock=lambda: NOW,
    )


def spent(world: World) -> int:
    return world.spending.spent(CUSTOMER, service.bank_day(NOW))


def check_the_code(world: World, challenge: str = QUOTE) -> None:
    service.send_code(
        challenge,
        CUSTOMER,
        purpose="transfer",
        repository=world.spending,
        customers_repository=world.customers,
        cerberus=world.cerberus,  # type: ignore[arg-type]  # the fake speaks the client's two calls
        clock=lambda: NOW,
    )
    service.check_code(
        challenge,
        CUSTOMER,
        world.cerberus.code,
        repository=world.spending,
        cerberus=world.cerberus,  # type: ignore[arg-type]  # the fake speaks the client's two calls
        clock=lambda: NOW,
    )


def test_an_accepted_debit_is_counted_before_the_bank_is_asked(world: World) -> None:
    with counted(world, 40_000):
        assert spent(world) == 40_000


def test_a_refusal_by_the_bank_gives_the_amount_back_and_is_raised_again(world: World) -> None:
    with pytest.raises(InsufficientFunds), counted(world, 40_000):
        raise InsufficientFunds("not enough money")
    assert spent(world) == 0


def test_anything_but_a_refusal_keeps_the_count_because_the_money_may_have_left(world: World) -> None:
    with pytest.raises(BankTimedOut), counted(world, 40_000):
        raise BankTimedOut
    assert spent(world) == 40_000


def test_past_the_free_amount_without_a_checked_code_the_bank_is_never_asked(world: World) -> None:
    asked = []
    with pytest.raises(CodeRequired), counted(world, 100_001):
        asked.append("bank")
    assert (asked, spent(world)) == ([], 0)


def test_the_quotes_checked_code_lifts_the_ceiling_to_the_daily_limit(world: World) -> None:
    check_the_code(world)
    with counted(world, 100_001):
        assert spent(world) == 100_001


def test_a_code_checked_for_another_quote_does_not_lift_it(world: World) -> None:
    check_the_code(world, challenge="q-other")
    with pytest.raises(CodeRequired), counted(world, 100_001):
        pass
