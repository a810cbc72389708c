"""What the step-up policy keeps in the customers table, read back as DynamoDB holds it: the operation's
marker and the day's counter with their expiry, giving back once even when two runs race, and a code's
challenge only ever marked checked once it was sent."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from messenger_bank.configuration import forget_settings
from messenger_bank.spending import service
from messenger_bank.spending.repository import DAY_KEEP_SECONDS, SpendingRepository
from messenger_bank.spending.settings import SpendingSettings
from tests.unit.spending.conftest import CUSTOMER, NOW, World

DAY = service.bank_day(NOW)
AT = int(NOW.timestamp())


def item(world: World, sk: str, pk: str = f"SPENDING#{CUSTOMER}") -> dict[str, Any] | None:
    found = world.spending.table.get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
    return None if found is None else dict(found)


def reserve(world: World, operation: str = "transfer:t1", amount: int = 60_000) -> bool:
    return world.spending.reserve(CUSTOMER, operation, amount, day=DAY, ceiling=100_000, now=AT)


# --- what a reservation writes ------------------------------------------------------------------------
def test_a_reservation_keeps_its_marker_and_the_days_counter_for_three_days(world: World) -> None:
    assert reserve(world) is True

    assert item(world, "OP#transfer:t1") == {
        "pk": f"SPENDING#{CUSTOMER}",
        "sk": "OP#transfer:t1",
        "amount": 60_000,
        "day": DAY,
        "expires_at": AT + DAY_KEEP_SECONDS,
    }
    counter = item(world, f"DAY#{DAY}")
    assert counter is not None and (counter["spent"], counter["expires_at"]) == (60_000, AT + DAY_KEEP_SECONDS)
    assert DAY_KEEP_SECONDS == 3 * 24 * 3600


def test_a_reservation_made_again_answers_false_and_adds_nothing(world: World) -> None:
    reserve(world)

    assert reserve(world) is False
    assert world.spending.spent(CUSTOMER, DAY) == 60_000


def test_a_table_that_refuses_the_write_for_another_reason_is_not_taken_for_a_retry(world: World) -> None:
    missing = SpendingRepository(boto3.resource("dynamodb").Table(f"{world.spending.table.name}-missing"))

    with pytest.raises(ClientError) as refused:
        missing.reserve(CUSTOMER, "transfer:t1", 1, day=DAY, ceiling=100_000, now=AT)
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"


# --- giving back --------------------------------------------------------------------------------------
def test_giving_back_answers_true_once_then_false(world: World) -> None:
    reserve(world)

    assert world.spending.release(CUSTOMER, "transfer:t1", now=AT + 60) is True
    assert world.spending.release(CUSTOMER, "transfer:t1", now=AT + 120) is False
    marker = item(world, "OP#transfer:t1")
    assert marker is not None and marker["released_at"] == AT + 60
    assert world.spending.spent(CUSTOMER, DAY) == 0


def test_giving_back_what_was_never_reserved_answers_false_and_writes_nothing(world: World) -> None:
    assert world.spending.release(CUSTOMER, "transfer:t9", now=AT) is False
    assert item(world, "OP#transfer:t9") is None


def test_the_service_gives_back_at_the_clocks_time(world: World) -> None:
    reserve(world)

    service.give_back(CUSTOMER, "transfer:t1", repository=world.spending, clock=lambda: NOW)

    marker = item(world, "OP#transfer:t1")
    assert marker is not None and marker["released_at"] == AT


class StaleTable:
    """The table as a run sees it that read the marker before another run gave it back: its read answers
    the marker as it was, its writes go to the table (the race release's condition stops)."""

    def __init__(self, table: Any, stale: dict[str, Any]) -> None:
        self.name, self.meta, self._stale = table.name, table.meta, stale

    def get_item(self, **_: Any) -> dict[str, Any]:
        return {"Item": self._stale}


def test_two_runs_giving_back_at_once_give_back_once(world: World) -> None:
    reserve(world)
    reserve(world, "transfer:t2", 30_000)
    stale = item(world, "OP#transfer:t1")
    assert stale is not None
    assert world.spending.release(CUSTOMER, "transfer:t1", now=AT) is True

    late = SpendingRepository(StaleTable(world.spending.table, stale))

    assert late.release(CUSTOMER, "transfer:t1", now=AT + 1) is False
    assert world.spending.spent(CUSTOMER, DAY) == 30_000


# --- the code's challenge -----------------------------------------------------------------------------
def test_a_challenge_keeps_the_customer_the_codes_id_and_its_expiry(world: World) -> None:
    world.spending.put_challenge("q-1", CUSTOMER, "otp-7", expires_at=AT + 1800)

    assert item(world, "STEPUP", pk="STEPUP#q-1") == {
        "pk": "STEPUP#q-1",
        "sk": "STEPUP",
        "customer_id": CUSTOMER,
        "otp_id": "otp-7",
        "expires_at": AT + 1800,
    }


def test_a_sent_code_expires_half_an_hour_after_it_was_sent(world: World) -> None:
    service.send_code(
        "q-1",
        CUSTOMER,
        purpose="transfer",
        repository=world.spending,
        customers_repository=world.customers,
        cerberus=world.cerberus,  # type: ignore[arg-type]
        clock=lambda: NOW,
    )

    kept = item(world, "STEPUP", pk="STEPUP#q-1")
    assert kept is not None and kept["expires_at"] == AT + 1800 and kept["otp_id"] == "otp-1"


def test_a_challenge_never_sent_cannot_be_marked_checked(world: World) -> None:
    with pytest.raises(ClientError):
        world.spending.mark_checked("q-1", now=AT)
    assert item(world, "STEPUP", pk="STEPUP#q-1") is None


def test_a_right_code_marks_the_challenge_checked_at_the_clocks_time(world: World) -> None:
    world.spending.put_challenge("q-1", CUSTOMER, "otp-1", expires_at=AT + 1800)
    world.cerberus.sent.append(("+375291234567", "transfer"))  # the code otp-1 was sent

    service.check_code(
        "q-1",
        CUSTOMER,
        "123456",
        repository=world.spending,
        cerberus=world.cerberus,  # type: ignore[arg-type]
        clock=lambda: NOW,
    )

    kept = item(world, "STEPUP", pk="STEPUP#q-1")
    assert kept is not None and kept["checked_at"] == AT


# --- the settings the quote reads ---------------------------------------------------------------------
def test_the_quote_uses_the_settings_it_is_given_over_the_environments(world: World) -> None:
    small = SpendingSettings(free_per_day_minor=5_000, limit_per_day_minor=10_000)

    needs = service.needs_code(CUSTOMER, 5_001, settings=small, repository=world.spending, clock=lambda: NOW)

    assert needs is True  # under the environment's 1 000.00 BYN it would need none


def test_without_settings_the_quote_reads_the_environments(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDING_FREE_PER_DAY_MINOR", "5000")
    monkeypatch.setenv("SPENDING_LIMIT_PER_DAY_MINOR", "10000")
    forget_settings()
    try:
        answers = [
            service.needs_code(CUSTOMER, amount, repository=world.spending, clock=lambda: NOW)
            for amount in (5_000, 5_001)
        ]
    finally:
        forget_settings()

    assert answers == [False, True]


# --- reads that must see the last write -----------------------------------------------------------------
class EventuallyConsistent:
    """The table as DynamoDB may answer a read that is not strongly consistent right after a write: the
    item as it was before, here none at all (moto answers every read consistently, so without this a
    missing ConsistentRead would go unseen). Everything else goes to the table."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def get_item(self, **params: Any) -> dict[str, Any]:
        return dict(self._table.get_item(**params)) if params.get("ConsistentRead") is True else {}


def fresh(world: World) -> SpendingRepository:
    return SpendingRepository(EventuallyConsistent(world.spending.table))


def test_todays_counter_is_read_as_last_written(world: World) -> None:
    reserve(world)

    assert fresh(world).spent(CUSTOMER, DAY) == 60_000


def test_giving_back_reads_the_marker_as_last_written(world: World) -> None:
    reserve(world)

    assert fresh(world).release(CUSTOMER, "transfer:t1", now=AT) is True
    assert world.spending.spent(CUSTOMER, DAY) == 0


def test_a_challenge_is_read_as_last_written(world: World) -> None:
    world.spending.put_challenge("q-1", CUSTOMER, "otp-1", expires_at=AT + 1800)

    kept = fresh(world).challenge("q-1", CUSTOMER)

    assert kept is not None and kept["otp_id"] == "otp-1"
