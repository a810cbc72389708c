"""`make cashback-payout MONTH=2026-11`: the monthly cashback payout started now on the running local cloud.

The local cloud runs no schedules (local/monthly_journey.py), so this is how the payout runs locally: it
starts CashbackPayoutStateMachine with ``{"month": ...}``, waits for the run to end and prints its outcome.
Without MONTH, the input is the schedule's (``{"scheduled_at": now}``): the month that ended is paid. Starting
it again for a month pays nobody twice.

    make cashback-payout MONTH=2026-11
    .venv/bin/python -m local.cashback_payout --month 2026-11 --aws-endpoint http://127.0.0.1:5000
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, TextIO

from local import monthly_journey
from local.monthly_journey import run_input as payout_input

__all__ = ["MACHINE", "main", "payout_input", "start_payout"]

MACHINE = "CashbackPayoutStateMachine"


def start_payout(client: Any, machine_arn: str, month: str | None, *, wait_s: float = 120.0) -> dict[str, Any]:
    """Starts a run and waits for its end: the execution's description (status, output)."""
    return monthly_journey.start_run(client, machine_arn, month, name="cashback", wait_s=wait_s)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    return monthly_journey.main(
        argv,
        out,
        machine=MACHINE,
        name="cashback",
        prog="make cashback-payout",
        description="Run the monthly cashback payout now.",
        summary=("month", "customers", "not_paid", "results"),
    )


if __name__ == "__main__":
    sys.exit(main())
