"""The accruals' rows (purchases/repository.py) as DynamoDB gives them: every read consistent (an accrual or a
payout just written is read back at once), a customer's accruals and the month's customers read past one page,
and a cancelled transaction with no reason for the month is not taken for a closed month."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from messenger_bank.purchases.models import CashbackAccrual
from messenger_bank.purchases.repository import AccrualsRepository

AT = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def accrual(n: int, customer_id: str = "cus_1") -> CashbackAccrual:
    return CashbackAccrual(
        event_id=f"evt_op_{n}",
        customer_id=customer_id,
        kind="purchase_cleared",
        purchase_id=f"op_{n}",
        card_id="card_41d0a7e2c9b3f815",
        amount_minor=1_250,
        currency="BYN",
        mcc="5814",
        merchant="Burger King Nemiga",
        partner="burgerking",
        rate_percent=Decimal(7),
        cashback_minor=87,
        month="2026-03",
        occurred_at=AT,
    )


def on_call(store: AccrualsRepository, operation: str, handler: Callable[..., Any]) -> None:
    """``handler(params=…)`` sees (and may change) the parameters of each ``operation`` the store's client makes."""
    store.table.meta.client.meta.events.register(f"before-parameter-build.dynamodb.{operation}", handler)


@pytest.mark.parametrize("operation", ["GetItem", "Query", "Scan"])
def test_every_read_is_consistent(customers_table: Any, operation: str) -> None:
    store = AccrualsRepository(customers_table)
    store.record(accrual(1))
    store.close_month("cus_1", "2026-03", AT)
    flags: list[Any] = []
    on_call(store, operation, lambda params, **_: flags.append(params.get("ConsistentRead")))

    store.accrual("cus_1", "evt_op_1")
    store.payout("cus_1", "2026-03")
    store.accruals("cus_1", "2026-03")
    list(store.accrual_pages("2026-03"))

    assert flags and set(flags) == {True}


def one_item_a_page(store: AccrualsRepository) -> list[str]:
    """Every Query and Scan of the store answers one item at a time; the operations made, in order."""
    made: list[str] = []

    def limited(params: dict[str, Any], model: Any, **_: Any) -> None:
        made.append(model.name)
        params["Limit"] = 1

    on_call(store, "Query", limited)
    on_call(store, "Scan", limited)
    return made


def test_a_customers_accruals_are_read_past_the_first_page(customers_table: Any) -> None:
    store = AccrualsRepository(customers_table)
    for n in (1, 2, 3):
        store.record(accrual(n))
    made = one_item_a_page(store)

    found = store.accruals("cus_1", "2026-03")

    assert [a.event_id for a in found] == ["evt_op_1", "evt_op_2", "evt_op_3"]
    assert len(made) > 1


def test_the_months_customers_are_read_past_the_first_page(customers_table: Any) -> None:
    store = AccrualsRepository(customers_table)
    for n, customer_id in enumerate(("cus_1", "cus_2", "cus_3")):
        store.record(accrual(n, customer_id))
    made = one_item_a_page(store)

    pages = list(store.accrual_pages("2026-03"))

    assert sorted(customer for page, _ in pages for customer in page) == ["cus_1", "cus_2", "cus_3"]
    assert len(made) > 1 and [key is None for _, key in pages][-1] and pages[0][1] is not None


def test_the_months_customers_go_on_from_where_a_listing_step_stopped(customers_table: Any) -> None:
    store = AccrualsRepository(customers_table)
    for n, customer_id in enumerate(("cus_1", "cus_2", "cus_3")):
        store.record(accrual(n, customer_id))
    one_item_a_page(store)
    first, start_key = next(iter(store.accrual_pages("2026-03")))

    rest = [customer for page, _ in store.accrual_pages("2026-03", start_key) for customer in page]

    assert sorted(first + rest) == ["cus_1", "cus_2", "cus_3"] and not set(first) & set(rest)


def test_a_cancelled_transaction_without_reasons_is_raised_not_taken_for_a_closed_month(customers_table: Any) -> None:
    store = AccrualsRepository(customers_table)
    cancelled = {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}}

    def refuse(**_: Any) -> tuple[Any, dict[str, Any]]:
        return SimpleNamespace(status_code=400, headers={}), cancelled

    store.table.meta.client.meta.events.register("before-call.dynamodb.TransactWriteItems", refuse)

    with pytest.raises(ClientError) as raised:
        store.record(accrual(1))
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
