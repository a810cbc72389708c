"""`make executions` (local/executions.py): the same listing in the terminal."""

from __future__ import annotations

import io

from local.executions import main
from tests.integration.ops.journeys import PAN, Journeys


def run(journeys: Journeys, *args: str) -> str:
    out = io.StringIO()
    assert main(["--aws-endpoint", journeys.endpoint, "--region", journeys.region, *args], out=out) == 0
    return out.getvalue()


def name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def test_every_machine_with_its_executions_and_the_failing_state_error_and_cause(journeys: Journeys) -> None:
    printed = run(journeys)

    assert "card-issuance-" in printed and "bank-call-" in printed
    assert f"SUCCEEDED  {name(journeys.succeeded)}" in printed
    assert f"FAILED     {name(journeys.failed)}" in printed
    assert "failed in CardNotIssued: ApplicationRejected — Cerberus refused the applicant" in printed
    assert "failed in CallBank: Lambda.ResourceNotFoundException" in printed
    assert "retried: CallBank ×3" in printed
    assert PAN not in printed


def test_the_status_filter(journeys: Journeys) -> None:
    printed = run(journeys, "--status", "failed")

    assert name(journeys.failed) in printed and name(journeys.retried) in printed
    assert name(journeys.succeeded) not in printed


def test_the_reference_filter(journeys: Journeys) -> None:
    printed = run(journeys, "--q", "CUST-0001")

    assert name(journeys.succeeded) in printed
    assert name(journeys.failed) not in printed
    assert "1 execution(s)" in printed
