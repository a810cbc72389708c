"""`make executions`: every state machine's executions on the running local cloud, newest first, with
the failing state, its error and cause for a failed one; the same as the operations view, in the
terminal, masked the same way.

    make executions                                   # all
    .venv/bin/python -m local.executions --status FAILED --q CUST-0002
    .venv/bin/python -m local.executions --aws-endpoint http://127.0.0.1:5000 --region eu-central-1
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from local.ops.reader import STATUSES, ExecutionsReader, stepfunctions_client
from local.ops.timeline import CLOSED_FAILURES, StateVisit

ROOT = Path(__file__).resolve().parents[1]


def _duration(ms: int) -> str:
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def _retries(states: list[StateVisit]) -> str:
    retried = [f"{state.name} ×{state.attempts}" for state in states if state.attempts > 1]
    return f"      retried: {', '.join(retried)}" if retried else ""


def render(reader: ExecutionsReader, *, status: str | None, query: str, out: TextIO) -> int:
    """Print the listing; the number of executions shown."""
    listing = reader.executions(status=status, query=query)
    shown = 0
    for machine in listing["state_machines"]:
        rows = [row for row in listing["executions"] if row["state_machine"] == machine["name"]]
        print(f"{machine['name']}  ({len(rows)} shown)", file=out)
        if not rows:
            print("  (no executions)", file=out)
        for row in rows:
            shown += 1
            took = _duration(row["duration_ms"]) + (" so far" if row["status"] == "RUNNING" else "")
            ref = row["references"].get("customer_ref") or row["references"].get("application_id") or ""
            started = (row["started_at"] or "")[11:19]
            print(f"  {row['status']:<10} {row['name']:<44} {started}  {took:>9}  {ref}", file=out)
            if row["status"] in CLOSED_FAILURES or row["status"] == "RUNNING":
                timeline = reader.timeline(row["arn"])
                if row["status"] != "RUNNING":
                    cause = " ".join((timeline.cause or row["cause"] or "").split())
                    print(
                        f"      failed in {timeline.failed_state or '?'}: {timeline.error or row['error']}"
                        + (f" — {cause[:200]}" if cause else ""),
                        file=out,
                    )
                for state in timeline.states:
                    if state.status == "caught":
                        print(f"      caught in {state.name}: {state.errors[-1].error}", file=out)
                    if state.status == "running":
                        print(f"      now in {state.name} for {_duration(state.duration_ms)}", file=out)
                if line := _retries(timeline.states):
                    print(line, file=out)
    return shown


def _running_cloud() -> dict[str, Any] | None:
    from local.cloud.cloud import running_cloud_state

    return running_cloud_state(Path(os.environ.get("LOCAL_STATE_DIR", ROOT / "local" / ".state")))


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="make executions", description="State-machine executions, newest first.")
    parser.add_argument("--status", type=str.upper, choices=STATUSES, help="only executions in this status")
    parser.add_argument("--q", default="", help="execution name, customer_ref, chat id or application id (part of)")
    parser.add_argument("--aws-endpoint", help="Step Functions endpoint (default: the running `make run`)")
    parser.add_argument("--region", help="region (default: the running `make run`'s)")
    args = parser.parse_args(argv)

    endpoint, region, ops_url = args.aws_endpoint, args.region, None
    if endpoint is None:
        state = _running_cloud()
        if state is None:
            print("No local cloud is running: start it with `make run` in another terminal.", file=sys.stderr)
            return 1
        endpoint, region, ops_url = state["aws_endpoint"], region or state["region"], state.get("ops")
    reader = ExecutionsReader(stepfunctions_client(endpoint, region or "eu-central-1"))
    shown = render(reader, status=args.status, query=args.q, out=out)
    print(f"\n{shown} execution(s) on {endpoint}" + (f" · operations view: {ops_url}" if ops_url else ""), file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
