"""An operator's masked view of a customer (GET /internal/customers/{customer_id}): refused without an operator, for
a malformed id and for an unknown customer; otherwise the masks and messenger names only, never cached."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from messenger_bank.customers.models import Card, ChannelIdentity, Customer, NewCustomer
from messenger_bank.customers.operator import lookup
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import find_or_create, record_card

ISSUED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
NO_STORE = {"content-type": "application/json", "cache-control": "no-store"}


@pytest.fixture
def customer(customers: CustomersRepository) -> Customer:
    """A customer on Telegram and Viber (twice on Telegram: two chats) with two cards."""
    new = NewCustomer(
        bank_customer_id="BANK-7",
        phone="+375291112233",
        language="be",
        identity=ChannelIdentity(channel="viber", user_id="v-1", chat_id="v-1"),
    )
    found = find_or_create(new, repository=customers).customer
    for chat in ("t-1", "t-2"):
        customers.link_identity(
            found.customer_id, ChannelIdentity(channel="telegram", user_id=chat, chat_id=chat), ISSUED
        )
    for card_id, mask, kind, status in (
        ("card-1", "411111******1111", "virtual", "active"),
        ("card-2", "522222******2222", "plastic", "blocked"),
    ):
        card = Card(
            card_id=card_id,
            customer_id=found.customer_id,
            mask=mask,
            kind=kind,
            scheme="mastercard" if mask.startswith("5") else "visa",
            expiry="11/29",
            status=status,
            issued_at=ISSUED,
        )
        record_card(card, repository=customers)
    return found


def test_an_operator_reads_the_masks_and_messenger_names_only(
    customers: CustomersRepository, customer: Customer
) -> None:
    answer = lookup("operator-1", customer.customer_id, customers)

    assert (answer.status, answer.headers) == (200, NO_STORE)
    view = json.loads(answer.body)
    view["cards"].sort(key=lambda card: card["card_id"])
    assert view == {
        "customer_id": customer.customer_id,
        "bank_customer_id": "BANK-7",
        "language": "be",
        "created_at": customer.created_at.isoformat().replace("+00:00", "Z"),
        "channels": ["telegram", "viber"],
        "cards": [
            {
                "card_id": "card-1",
                "mask": "411111******1111",
                "kind": "virtual",
                "scheme": "visa",
                "status": "active",
                "issued_at": "2025-03-01T09:30:00Z",
            },
            {
                "card_id": "card-2",
                "mask": "522222******2222",
                "kind": "plastic",
                "scheme": "mastercard",
                "status": "blocked",
                "issued_at": "2025-03-01T09:30:00Z",
            },
        ],
    }
    assert "+375291112233" not in answer.body and "t-1" not in answer.body


@pytest.mark.parametrize(
    ("operator", "customer_id", "status", "message"),
    [
        pytest.param("", None, 403, "Forbidden", id="no operator (a route wired without the authorizer)"),
        pytest.param("operator-1", "c_" + "a" * 63, 400, "malformed customer id", id="an id one character too long"),
        pytest.param("operator-1", "c_abc/../x", 400, "malformed customer id", id="an id with a slash"),
        pytest.param("operator-1", "", 400, "malformed customer id", id="an empty id"),
        pytest.param("operator-1", "c_" + "a" * 62, 404, "Not Found", id="a well-formed id of 64 characters, unknown"),
        pytest.param("operator-1", "c_nobody", 404, "Not Found", id="an unknown customer"),
    ],
)
def test_a_lookup_is_refused(
    customers: CustomersRepository,
    customer: Customer,
    operator: str,
    customer_id: str | None,
    status: int,
    message: str,
) -> None:
    answer = lookup(operator, customer.customer_id if customer_id is None else customer_id, customers)

    assert (answer.status, json.loads(answer.body), answer.headers) == (status, {"message": message}, NO_STORE)


def test_an_id_of_every_allowed_character_is_well_formed(customers: CustomersRepository) -> None:
    assert lookup("operator-1", "Az09_-", customers).status == 404  # looked up (and unknown), not refused as malformed
