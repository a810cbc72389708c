"""The last balance read from the bank, kept for a while to be shown, with its time, while core banking is down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from messenger_bank.banking.models.core import Balance
from messenger_bank.cards.last_balances import LastBalancesRepository
from messenger_bank.cards.models import GetBalanceRequest, LastBalancesRequest
from messenger_bank.cards.service import get_balance, last_balances
from messenger_bank.errors import BankSystemUnavailable
from tests.unit.cards.conftest import World

READ_AT = datetime(2026, 12, 7, 0, 20, tzinfo=UTC)  # 03:20 in Minsk
NBSP = "\u00a0"


def test_a_balance_read_is_shown_later_with_its_time_in_minsk(world: World) -> None:
    customer_id, (card_id,) = world.customer(1, money=1_200)
    get_balance(GetBalanceRequest(customer_id=customer_id, card_id=card_id), **world.kw, now=READ_AT)

    kept = last_balances(LastBalancesRequest(customer_id=customer_id, language="en"), customers=world.customers)

    assert kept.known
    assert [(i.mask, i.available, i.read_at) for i in kept.items] == [
        ("411111******0100", f"12.00{NBSP}BYN", "07/12/2026 03:20 (UTC+03:00)")
    ]
    assert kept.text == f"411111******0100: 12.00{NBSP}BYN available, as of 07/12/2026 03:20 (UTC+03:00)"


def test_the_newest_read_replaces_the_older_one(world: World) -> None:
    customer_id, (card_id,) = world.customer(1, money=1_200)
    get_balance(GetBalanceRequest(customer_id=customer_id, card_id=card_id), **world.kw, now=READ_AT)
    world.core.balances["acc_1_0"] = 500
    get_balance(
        GetBalanceRequest(customer_id=customer_id, card_id=card_id), **world.kw, now=READ_AT + timedelta(hours=1)
    )

    kept = last_balances(LastBalancesRequest(customer_id=customer_id, language="en"), customers=world.customers)

    assert [(i.available, i.read_at) for i in kept.items] == [(f"5.00{NBSP}BYN", "07/12/2026 04:20 (UTC+03:00)")]


def test_a_failed_read_keeps_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    customer_id, (card_id,) = world.customer(1)

    def down(account_id: str) -> Balance:
        raise BankSystemUnavailable("core balance: HTTP 503", system="core")

    monkeypatch.setattr(world.core, "balance", down)
    with pytest.raises(BankSystemUnavailable):
        get_balance(GetBalanceRequest(customer_id=customer_id, card_id=card_id), **world.kw, now=READ_AT)

    kept = last_balances(LastBalancesRequest(customer_id=customer_id), customers=world.customers)
    assert (kept.known, kept.items, kept.text) == (False, [], "")


def test_a_kept_balance_is_not_shown_past_its_hours(world: World) -> None:
    customer_id, (card_id,) = world.customer(1)
    get_balance(GetBalanceRequest(customer_id=customer_id, card_id=card_id), **world.kw, now=READ_AT)
    repository = LastBalancesRepository(world.customers.table)

    assert repository.of(customer_id, READ_AT + timedelta(hours=72) - timedelta(seconds=1)) != []
    assert repository.of(customer_id, READ_AT + timedelta(hours=72)) == []


def test_another_customers_kept_balance_is_not_shown(world: World) -> None:
    owner, (card_id,) = world.customer(1)
    other, _ = world.customer(2)
    get_balance(GetBalanceRequest(customer_id=owner, card_id=card_id), **world.kw, now=READ_AT)

    assert last_balances(LastBalancesRequest(customer_id=other), customers=world.customers).items == []
