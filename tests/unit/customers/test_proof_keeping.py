"""How long the table keeps a chat's proof of a card or password: 90 days after it was given (the table's TTL
attribute expires_at), unless the caller keeps it for another number of days."""

from __future__ import annotations

from datetime import UTC, datetime

from messenger_bank.customers.repository import CustomersRepository

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
AT_EPOCH = 1_740_821_400  # AT in epoch seconds, worked out apart from the code
DAY = 24 * 60 * 60


def kept(customers: CustomersRepository) -> dict[str, int]:
    item = customers.table.get_item(Key={"pk": "CUSTOMER#c_1", "sk": "AUTH#binding-1"})["Item"]
    return {"auth_time": int(item["auth_time"]), "expires_at": int(item["expires_at"])}


def test_a_proof_is_kept_for_90_days_by_default(customers: CustomersRepository) -> None:
    customers.record_authentication("c_1", "binding-1", AT)

    assert kept(customers) == {"auth_time": AT_EPOCH, "expires_at": AT_EPOCH + 90 * DAY}


def test_a_proof_is_kept_for_the_days_asked(customers: CustomersRepository) -> None:
    customers.record_authentication("c_1", "binding-1", AT, keep_days=1)

    assert kept(customers) == {"auth_time": AT_EPOCH, "expires_at": AT_EPOCH + DAY}
