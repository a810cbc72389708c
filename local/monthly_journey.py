"""A monthly journey started now on the running local cloud, as its schedule would start it or for a month
named: `make cashback-payout MONTH=…` (local/cashback_payout.py) and `make credit-statement MONTH=…`
(local/credit_statement.py).

The local cloud creates the journeys' EventBridge schedules as nothing (it runs no schedules: the resources
are listed as skipped), so this is how they run locally: the machine is started with ``{"month": ...}``, or
without a month with the schedule's input (``{"scheduled_at": now}``: the month that ended), the run waited
for and its outcome printed. Each journey does its month's work once per customer however often it is started.
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
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


def run_input(month: str | None, now: datetime) -> dict[str, str]:
    """The month named, else what the schedule passes (its time: the month before is the one run)."""
    return {"month": month} if month else {"scheduled_at": now.isoformat()}


def start_run(client: Any, machine_arn: str, month: str | None, *, name: str, wait_s: float = 120.0) -> dict[str, Any]:
    """Starts a run (its execution named `name`-<month>-<time>) and waits for its end: the execution's
    description (status, output)."""
    if month is not None and not re.match(MONTH, month):
        raise ValueError(f"MONTH is YYYY-MM, not {month!r}")
    now = datetime.now(UTC)
    execution = f"{name}-{month or 'scheduled'}-{now.strftime('%Y%m%dT%H%M%S%f')}"
    arn = client.start_execution(stateMachineArn=machine_arn, name=execution, input=json.dumps(run_input(month, now)))[
        "executionArn"
    ]
    deadline = time.monotonic() + wait_s
    while True:
        described: dict[str, Any] = client.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.25)  # polling the local endpoint: a run of a few customers ends within seconds


def main(
    argv: Sequence[str] | None,
    out: TextIO,
    *,
    machine: str,
    name: str,
    prog: str,
    description: str,
    summary: tuple[str, ...],
) -> int:
    """The command line of one monthly journey: `summary` names the output's fields printed."""
    from local.cloud.cloud import running_cloud_state

    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--month", default=None, help="YYYY-MM (default: the month that ended)")
    parser.add_argument("--aws-endpoint", help="Step Functions endpoint (default: the running `make run`)")
    parser.add_argument("--region", default=None)
    parser.add_argument("--machine-arn", default=None, help="default: the running `make run`'s machine")
    args = parser.parse_args(argv)

    state = running_cloud_state(Path(os.environ.get("LOCAL_STATE_DIR", ROOT / "local" / ".state")))
    if state is None and (args.aws_endpoint is None or args.machine_arn is None):
        print("No local cloud is running: start it with `make run` in another terminal.", file=sys.stderr)
        return 1
    endpoint = args.aws_endpoint or state["aws_endpoint"]  # type: ignore[index]
    region = args.region or (state or {}).get("region") or "eu-central-1"
    machine_arn = args.machine_arn or state["state_machines"][machine]  # type: ignore[index]
    described = start_run(stepfunctions_client(endpoint, region), machine_arn, args.month or None, name=name)
    print(f"{described['status']}  {described['executionArn']}", file=out)
    if "output" in described:
        output = json.loads(described["output"])
        print(json.dumps({k: output.get(k) for k in summary}), file=out)
    if described.get("error"):  # a failed run's cause says how many customers failed and where their results are
        print(f"{described['error']}: {described.get('cause', '')}", file=out)
    return 0 if described["status"] == "SUCCEEDED" else 1
