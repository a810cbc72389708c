"""template.yaml as operators and auditors read it: every promise that lives in the template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.cloud.template import transform
from messenger_bank.secrets import SECRET_PATHS
from tests.support.aws import template_resources

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    document = transform(ROOT / "template.yaml", {"Stage": "dev"}, region="eu-central-1", account="123456789012")
    return document.resources


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def test_every_function_runs_on_a_supported_python(transformed: dict[str, Any]) -> None:
    runtimes = {f["Properties"]["Runtime"] for f in of_type(transformed, "AWS::Lambda::Function").values()}

    assert runtimes <= {"python3.12", "python3.13"}


@pytest.mark.parametrize(
    ("alarm", "metric"),
    [
        ("InboundDeadLetterAlarm", "ApproximateNumberOfMessagesVisible"),
        ("CardIssuanceSlowAlarm", "ExecutionTime"),
        ("BankCoreErrorsAlarm", "BankCallErrors"),
    ],
)
def test_each_alarm_watches_its_metric_and_pages_the_ops_topic(alarm: str, metric: str) -> None:
    properties = template_resources()[alarm]["Properties"]

    assert properties["MetricName"] == metric
    assert properties["AlarmActions"] == [{"Ref": "OpsAlarmTopic"}]


def test_the_card_issuance_p95_alarm_fires_above_the_promised_thirty_seconds() -> None:
    properties = template_resources()["CardIssuanceSlowAlarm"]["Properties"]

    assert (properties["ExtendedStatistic"], properties["Threshold"]) == ("p95", 30000)


@pytest.mark.parametrize("alarm", ["CardIssuanceFailureRateAlarm", "WebhooksRefusedAlarm"])
def test_rate_alarms_compute_their_figure_with_metric_math(alarm: str) -> None:
    properties = template_resources()[alarm]["Properties"]

    returned = [m for m in properties["Metrics"] if m.get("ReturnData")]
    assert len(returned) == 1 and "Expression" in returned[0]
    assert properties["AlarmActions"] == [{"Ref": "OpsAlarmTopic"}]


def test_no_function_gets_a_full_access_policy(transformed: dict[str, Any]) -> None:
    roles = of_type(transformed, "AWS::IAM::Role")

    text = json.dumps(roles)

    assert "FullAccess" not in text
    assert '"Action": "*"' not in text


def test_secrets_are_never_in_function_environments(transformed: dict[str, Any]) -> None:
    # Messenger secrets are read from SSM by name; bank secrets from SSM too (BANK_SECRET_* is local only).
    for name, function in of_type(transformed, "AWS::Lambda::Function").items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        leaked = [key for key in variables if key in SECRET_PATHS or key.startswith("BANK_SECRET_")]
        assert leaked == [], name
        assert variables.get("BANK_SECRETS_SOURCE") == "ssm", name


def test_every_state_machine_definition_has_a_timeout() -> None:
    import yaml

    for path in (ROOT / "statemachines").glob("*.asl.yaml"):
        assert "TimeoutSeconds" in yaml.safe_load(path.read_text()), path.name


def test_each_webhook_route_has_its_own_function(transformed: dict[str, Any]) -> None:
    api = next(iter(of_type(transformed, "AWS::ApiGatewayV2::Api").values()))
    paths = api["Properties"]["Body"]["paths"]

    assert set(paths) >= {f"/webhooks/{c}" for c in ("telegram", "viber", "whatsapp", "messenger")}
    assert set(paths["/webhooks/whatsapp"]) == {"get", "post"}
    assert set(paths["/webhooks/telegram"]) == {"post"}
