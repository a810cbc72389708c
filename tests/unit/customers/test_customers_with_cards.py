"""The customers with a card, as the monthly statement run's listing reads them (customers/repository.py), a
scan page at a time: a customer's cards next to each other (the listing writes them once), none without a
card, read consistently and past the first page of the scan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from messenger_bank.customers.models import Card
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import customers_with_cards_pages, record_card

ISSUED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def card(customer_id: str, card_id: str) -> Card:
    return Card(card_id=card_id, customer_id=customer_id, mask="411111******1111", expiry="11/29", issued_at=ISSUED)


def rows(customers: CustomersRepository) -> list[str]:
    """The customers of every page, a row each, in the scan's order."""
    return [customer for page, _ in customers_with_cards_pages(repository=customers) for customer in page]


def on_scan(customers: CustomersRepository, handler: Any) -> None:
    customers.table.meta.client.meta.events.register("before-parameter-build.dynamodb.Scan", handler)


def test_a_customer_with_two_cards_comes_in_rows_next_to_each_other(customers: CustomersRepository) -> None:
    record_card(card("c_2", "card-21"), repository=customers)
    record_card(card("c_1", "card-11"), repository=customers)
    record_card(card("c_2", "card-22"), repository=customers)

    found = rows(customers)

    assert sorted(found) == ["c_1", "c_2", "c_2"]
    at = [i for i, customer in enumerate(found) if customer == "c_2"]
    assert at == [at[0], at[0] + 1]  # one item collection: its rows next to each other


def test_rows_other_than_cards_list_no_one(customers: CustomersRepository) -> None:
    customers.table.put_item(Item={"pk": "CUSTOMER#c_9", "sk": "PROFILE", "customer_id": "c_9"})
    customers.table.put_item(Item={"pk": "CUSTOMER#c_8", "sk": "CASHBACK#evt_1", "customer_id": "c_8"})

    assert rows(customers) == []


def test_the_scan_reads_consistently_past_its_first_page(customers: CustomersRepository) -> None:
    for n in (1, 2, 3):
        record_card(card(f"c_{n}", f"card-{n}"), repository=customers)
    scans: list[Any] = []

    def one_a_page(params: dict[str, Any], **_: Any) -> None:
        scans.append(params.get("ConsistentRead"))
        params["Limit"] = 1

    on_scan(customers, one_a_page)

    assert sorted(rows(customers)) == ["c_1", "c_2", "c_3"]
    assert len(scans) > 1 and set(scans) == {True}
