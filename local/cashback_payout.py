"""`make cashback-payout MONTH=2026-11`: the monthly cashback payout started now on the running local cloud.

The local cloud creates the payout's EventBridge schedule as nothing (it runs no schedules: the resource is
listed as skipped), so this is how the payout runs locally: it starts CashbackPayoutStateMachine with
``{"month": ...}``, waits for the run to end and prints its outcome. Without MONTH, the input is the
schedule's (``{"scheduled_at": now}``): the month that ended is paid. Starting it again for a month pays
nobody twice.

    make cashback-payout MONTH=2026-11
    .venv/bin/python -m local.cashback_payout --month 2026-11 --aws-endpoint http://127.0.0.1:5000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from local.ops.reader import stepfunctions_client

ROOT = Path(__file__).resolve().parents[1]
MACHINE = "CashbackPayoutStateMachine"
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


def payout_input(month: str | None, now: datetime) -> dict[str, str]:
    """The month named, else what the schedule passes (its time: the month before is paid)."""
    return {"month": month} if month else {"scheduled_at": now.isoformat()}


def start_payout(client: Any, machine_arn: str, month: str | None, *, wait_s: float = 120.0) -> dict[str, Any]:
    """Starts a run and waits for its end: the execution's description (status, output)."""
    if month is not None and not re.match(MONTH, month):
        raise ValueError(f"MONTH is YYYY-MM, not {month!r}")
    now = datetime.now(UTC)
    name = f"cashback-{month or 'scheduled'}-{now.strftime('%Y%m%dT%H%M%S%f')}"
    arn = client.start_execution(stateMachineArn=machine_arn, name=name, input=json.dumps(payout_input(month, now)))[
        "executionArn"
    ]
    deadline = time.monotonic() + wait_s
    while True:
        described: dict[str, Any] = client.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.25)  # polling the local endpoint: a run of a few customers ends within seconds


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    from local.cloud.cloud import running_cloud_state

    parser = argparse.ArgumentParser(prog="make cashback-payout", description="Run the monthly cashback payout now.")
    parser.add_argument("--month", default=None, help="YYYY-MM (default: the month that ended)")
    parser.add_argument("--aws-endpoint", help="Step Functions endpoint (default: the running `make run`)")
    parser.add_argument("--region", default=None)
    parser.add_argument("--machine-arn", default=None, help="default: the running `make run`'s payout machine")
    args = parser.parse_args(argv)

    state = running_cloud_state(Path(os.environ.get("LOCAL_STATE_DIR", ROOT / "local" / ".state")))
    if state is None and (args.aws_endpoint is None or args.machine_arn is None):
        print("No local cloud is running: start it with `make run` in another terminal.", file=sys.stderr)
        return 1
    endpoint = args.aws_endpoint or state["aws_endpoint"]  # type: ignore[index]
    region = args.region or (state or {}).get("region") or "eu-central-1"
    machine_arn = args.machine_arn or state["state_machines"][MACHINE]  # type: ignore[index]
    described = start_payout(stepfunctions_client(endpoint, region), machine_arn, args.month or None)
    print(f"{described['status']}  {described['executionArn']}", file=out)
    if "output" in described:
        output = json.loads(described["output"])
        print(json.dumps({k: output.get(k) for k in ("month", "customers", "some_not_paid")}), file=out)
    return 0 if described["status"] == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main())
