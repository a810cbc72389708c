"""The balance of a card with a credit line: own funds, the credit unused of the limit, and what is
available (own funds + unused credit - holds), as the customer reads it in each language."""

from __future__ import annotations

import pytest

from messenger_bank.banking.models.core import Balance
from messenger_bank.cards.models import GetBalanceRequest
from messenger_bank.cards.service import get_balance
from tests.unit.cards.conftest import World

NBSP = "\u00a0"
LIMIT = 100_000  # 1 000.00 BYN


def balance_of(world: World, ledger: int, limit: int, language: str = "en", held: int = 0) -> tuple[str, str, int]:
    customer_id, (card_id,) = world.customer(1, money=ledger)
    world.core.credit_limits["acc_1_0"] = limit
    world.core.holds["acc_1_0"] = held
    result = get_balance(GetBalanceRequest(customer_id=customer_id, card_id=card_id, language=language), **world.kw)  # type: ignore[arg-type]
    return result.balance, result.available, result.available_minor


def test_own_funds_and_an_unused_credit_line_are_both_shown_and_both_available(world: World) -> None:
    shown, available, minor = balance_of(world, 1_200, LIMIT)
    assert shown == f"own 12.00{NBSP}BYN, credit 1,000.00{NBSP}BYN of 1,000.00{NBSP}BYN"
    assert (available, minor) == (f"1,012.00{NBSP}BYN", 101_200)


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("ru", f"свои 0,00{NBSP}BYN, кредит 700,00{NBSP}BYN из 1{NBSP}000,00{NBSP}BYN"),
        ("be", f"свае 0,00{NBSP}BYN, крэдыт 700,00{NBSP}BYN з 1{NBSP}000,00{NBSP}BYN"),
        ("en", f"own 0.00{NBSP}BYN, credit 700.00{NBSP}BYN of 1,000.00{NBSP}BYN"),
    ],
)
def test_credit_in_use_shows_no_own_funds_and_the_credit_left(world: World, language: str, shown: str) -> None:
    text, _, minor = balance_of(world, -30_000, LIMIT, language)
    assert text == shown
    assert minor == 70_000


def test_a_credit_line_used_up_exactly_leaves_nothing_available(world: World) -> None:
    assert balance_of(world, -LIMIT, LIMIT)[2] == 0


def test_a_card_without_a_credit_line_shows_its_balance_alone(world: World) -> None:
    shown, available, minor = balance_of(world, 1_200, 0)
    assert shown == available == f"12.00{NBSP}BYN"
    assert minor == 1_200


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        (
            "ru",
            f"свои 12,00{NBSP}BYN, кредит 1{NBSP}000,00{NBSP}BYN из 1{NBSP}000,00{NBSP}BYN, "
            f"зарезервировано 25,00{NBSP}BYN",
        ),
        (
            "be",
            f"свае 12,00{NBSP}BYN, крэдыт 1{NBSP}000,00{NBSP}BYN з 1{NBSP}000,00{NBSP}BYN, "
            f"зарэзервавана 25,00{NBSP}BYN",
        ),
        ("en", f"own 12.00{NBSP}BYN, credit 1,000.00{NBSP}BYN of 1,000.00{NBSP}BYN, on hold 25.00{NBSP}BYN"),
    ],
)
def test_what_authorizations_hold_is_shown_and_taken_off_what_is_available(
    world: World, language: str, shown: str
) -> None:
    text, _, minor = balance_of(world, 1_200, LIMIT, language, held=2_500)
    assert text == shown
    assert minor == 1_200 + LIMIT - 2_500


def test_a_debit_card_s_hold_is_shown_beside_its_balance(world: World) -> None:
    shown, available, minor = balance_of(world, 1_200, 0, held=200)
    assert shown == f"12.00{NBSP}BYN, on hold 2.00{NBSP}BYN"
    assert (available, minor) == (f"10.00{NBSP}BYN", 1_000)


def test_one_kopeck_held_is_shown(world: World) -> None:
    assert balance_of(world, 1_200, 0, held=1)[0] == f"12.00{NBSP}BYN, on hold 0.01{NBSP}BYN"


def balance(ledger: int, limit: int = LIMIT, holds: int = 0) -> Balance:
    return Balance.model_validate(
        {"account_id": "acc_1", "balance": ledger, "credit_limit": limit, "holds": holds, "currency": "BYN"}
    )


@pytest.mark.parametrize(
    ("case", "figures", "own", "used", "unused", "available"),
    [
        ("own funds only, no credit used", balance(1_200), 1_200, 0, LIMIT, 101_200),
        ("no money, the whole line", balance(0), 0, 0, LIMIT, LIMIT),
        ("one kopeck of credit used", balance(-1), 0, 1, LIMIT - 1, LIMIT - 1),
        ("the line used up", balance(-LIMIT), 0, LIMIT, 0, 0),
        ("holds taken off what is available", balance(1_200, holds=200), 1_200, 0, LIMIT, 101_000),
        ("a debit card", balance(1_200, limit=0), 1_200, 0, 0, 1_200),
    ],
)
def test_available_is_own_funds_plus_unused_credit_minus_holds(
    case: str, figures: Balance, own: int, used: int, unused: int, available: int
) -> None:
    assert (figures.own_funds, figures.credit_used, figures.credit_unused, figures.available) == (
        own,
        used,
        unused,
        available,
    ), case
