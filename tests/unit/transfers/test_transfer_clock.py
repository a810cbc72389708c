"""The clock the transfer steps use when none is given: now, in UTC (a receipt and a quote need an aware time)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from messenger_bank.transfers import recipient, service


@pytest.mark.parametrize("clock", [service._now, recipient._now], ids=["steps", "recipient"])
def test_the_default_clock_is_now_in_utc(clock: Callable[[], datetime]) -> None:
    before = datetime.now(UTC)

    now = clock()

    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC) + timedelta(seconds=1)
