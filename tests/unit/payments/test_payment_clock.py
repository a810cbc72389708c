"""The clock a payment step uses when none is given: now, in UTC (a receipt and a quote need an aware time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from messenger_bank.payments import service


def test_the_default_clock_is_now_in_utc() -> None:
    before = datetime.now(UTC)

    now = service._now()

    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC) + timedelta(seconds=1)
