"""`make publish-flows`: the working tree's flows, catalogue and conversation tests published to the running
local cloud (`make run`) as AWS AppConfig publishes them on AWS.

The bundle (conversation/published.py) becomes a new hosted configuration version of the flows' profile, and a
deployment of it is started with the template's strategy. AppConfig runs the profile's validator first (the flow
linter and every conversation test, functions/workers/flow_validator): a refusal stops the publish there, with the
validator's message naming each flow problem and each conversation that went differently, and nothing reaches
customers. Otherwise the deployment rolls out (and rolls back if a journey alarm goes off); the conversation
function speaks the new version from its next turns (within FLOWS_MAX_AGE_S, 30 s).

    make publish-flows
    .venv/bin/python -m local.publish_flows [--root layers/common/messenger_bank/conversation] [--label "..."]
"""

from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import boto3
from botocore.exceptions import ClientError

from local.cloud.cloud import ROOT, running_cloud_state
from messenger_bank.conversation.flows import PACKAGE_DIR
from messenger_bank.conversation.published import CONTENT_TYPE, Bundle, bundle_from

OUTCOMES = ("COMPLETE", "ROLLED_BACK")


@dataclass(frozen=True)
class FlowsTarget:
    """Where the flows are published: the template's AppConfig application, environment, profile, strategy."""

    application: str
    environment: str
    profile: str
    strategy: str

    @classmethod
    def from_outputs(cls, outputs: dict[str, Any]) -> FlowsTarget:
        return cls(
            application=str(outputs["FlowsApplicationId"]),
            environment=str(outputs["FlowsEnvironmentId"]),
            profile=str(outputs["FlowsProfileId"]),
            strategy=str(outputs["FlowsDeploymentStrategyId"]),
        )


@dataclass(frozen=True)
class Published:
    ok: bool
    message: str
    version: str | None = None
    deployment: int | None = None
    state: str | None = None


def publish(client: Any, target: FlowsTarget, bundle: Bundle, *, wait_s: float = 120.0) -> Published:
    """Store the bundle as a new version and deploy it; the validator's refusal, or how the deployment ended."""
    stored = client.create_hosted_configuration_version(
        ApplicationId=target.application,
        ConfigurationProfileId=target.profile,
        Content=bundle.to_bytes(),
        ContentType=CONTENT_TYPE,
        Description=bundle.label[:1024],
        VersionLabel=f"flows-{bundle.digest}",
    )
    version = str(stored["VersionNumber"])
    try:
        started = client.start_deployment(
            ApplicationId=target.application,
            EnvironmentId=target.environment,
            DeploymentStrategyId=target.strategy,
            ConfigurationProfileId=target.profile,
            ConfigurationVersion=version,
            Description=bundle.label[:1024],
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "BadRequestException":
            raise
        reason = error.response.get("Message") or error.response["Error"].get("Message", "")
        return Published(False, str(reason), version=version)
    number = int(started["DeploymentNumber"])
    deadline = time.monotonic() + wait_s
    while True:
        deployment = client.get_deployment(
            ApplicationId=target.application, EnvironmentId=target.environment, DeploymentNumber=number
        )
        if deployment["State"] in OUTCOMES or time.monotonic() > deadline:
            break
        time.sleep(0.2)  # polling the local endpoint until the strategy's minutes have passed
    state = str(deployment["State"])
    if state == "ROLLED_BACK":
        events = deployment.get("EventLog", [])
        started = [e["Description"] for e in events if e.get("EventType") == "ROLLBACK_STARTED"]
        why = (started or [e["Description"] for e in events if e.get("EventType") == "ROLLBACK_COMPLETED"] or [""])[0]
        return Published(False, f"rolled back: {why}", version, number, state)
    return Published(state == "COMPLETE", state, version, number, state)


def default_label(root: Path) -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "."], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "no git", ""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{getpass.getuser()} at {stamp}, from {commit}{' with changes' if dirty else ''}"


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="make publish-flows", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--root", type=Path, default=PACKAGE_DIR, help="the folder with flows/, catalogue/, conversations/"
    )
    parser.add_argument("--label", help="who publishes what (default: user, time, git commit)")
    args = parser.parse_args(argv)
    state = running_cloud_state(Path(os.environ.get("LOCAL_STATE_DIR", ROOT / "local" / ".state")))
    if state is None or "FlowsApplicationId" not in state.get("outputs", {}):
        print("No local cloud is running: start it with `make run` in another terminal.", file=out)
        return 2
    bundle = bundle_from(args.root, label=args.label or default_label(args.root))
    client = boto3.client(
        "appconfig",
        endpoint_url=state["aws_endpoint"],
        region_name=state["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    print(
        f"Publishing flows {bundle.digest}: {len(bundle.flows)} flows, {len(bundle.conversations)} conversation "
        f"test files ({bundle.label})",
        file=out,
    )
    result = publish(client, FlowsTarget.from_outputs(state["outputs"]), bundle)
    if not result.ok:
        print("REFUSED — nothing was published; customers still see the flows that were live.", file=out)
        print(result.message, file=out)
        return 1
    print(
        f"Published: configuration version {result.version}, deployment {result.deployment} {result.state}. "
        "The bot speaks it from its next turns (within FLOWS_MAX_AGE_S, 30 s).",
        file=out,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
