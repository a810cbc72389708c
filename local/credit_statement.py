"""`make credit-statement MONTH=2026-11`: the monthly credit statement started now on the running local cloud.

The local cloud runs no schedules (local/monthly_journey.py), so this is how the statements are sent locally:
it starts CreditStatementStateMachine with ``{"month": ...}``, waits for the run to end and prints its outcome.
Without MONTH, the input is the schedule's (``{"scheduled_at": now}``): the month that ended is stated. The
month under way may be named: its statement so far is sent, and the month's own still comes once it has ended.
Starting it again for a month sends nobody anything twice.

    make credit-statement MONTH=2026-11
    .venv/bin/python -m local.credit_statement --month 2026-11 --aws-endpoint http://127.0.0.1:5000
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, TextIO

from local import monthly_journey

MACHINE = "CreditStatementStateMachine"


def start_statements(client: Any, machine_arn: str, month: str | None, *, wait_s: float = 120.0) -> dict[str, Any]:
    """Starts a run and waits for its end: the execution's description (status, output)."""
    return monthly_journey.start_run(client, machine_arn, month, name="statement", wait_s=wait_s)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    return monthly_journey.main(
        argv,
        out,
        machine=MACHINE,
        name="statement",
        prog="make credit-statement",
        description="Send the monthly credit statements now.",
        summary=("month", "customers", "not_sent", "results"),
    )


if __name__ == "__main__":
    sys.exit(main())
