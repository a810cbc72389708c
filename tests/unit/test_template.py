"""template.yaml as operators and auditors read it: every promise that lives in the template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.cloud.template import load_template_text, transform
from messenger_bank.conversation.flows import CallStep, load_flows
from messenger_bank.operations import OPERATIONS
from messenger_bank.programs.referrer import share_links
from messenger_bank.programs.settings import ReferralSettings
from messenger_bank.secrets import SECRET_PATHS
from tests.support.aws import template_resources
from tests.support.functions import handler_module

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


def test_every_function_tells_pydantic_to_look_for_no_plugins(transformed: dict[str, Any]) -> None:
    """pydantic skips its scan of every package's entry points only for these values (pydantic/plugin/_loader.py);
    another spelling would cost the scan at each cold start, silently (issue 20)."""
    values = {
        name: f["Properties"]["Environment"]["Variables"].get("PYDANTIC_DISABLE_PLUGINS")
        for name, f in of_type(transformed, "AWS::Lambda::Function").items()
    }

    assert len(values) > 80
    assert {name: value for name, value in values.items() if value not in ("__all__", "1", "true")} == {}


@pytest.mark.parametrize(
    ("alarm", "metric"),
    [
        ("InboundDeadLetterAlarm", "ApproximateNumberOfMessagesVisible"),
        ("CardIssuanceSlowAlarm", "ExecutionTime"),
        ("ReferralAttributionFailedAlarm", "ReferralAttributionFailed"),
    ],
)
def test_each_alarm_watches_its_metric_and_pages_the_ops_topic(alarm: str, metric: str) -> None:
    properties = template_resources()[alarm]["Properties"]

    assert properties["MetricName"] == metric
    assert properties["AlarmActions"] == [{"Ref": "OpsAlarmTopic"}]


def test_sign_in_refusals_page_on_the_metrics_the_code_emits() -> None:
    properties = template_resources()["SignInRefusedAlarm"]["Properties"]
    watched = {m["MetricStat"]["Metric"]["MetricName"] for m in properties["Metrics"] if "MetricStat" in m}
    emitted = "".join(
        (ROOT / path).read_text(encoding="utf-8")
        for path in ("layers/common/messenger_bank/signin/service.py", "layers/common/messenger_bank/handlers.py")
    )

    assert watched == {"SignInRefused", "SessionRefused"}
    assert all(f'add_metric(name="{metric}"' in emitted for metric in watched)
    assert properties["AlarmActions"] == [{"Ref": "OpsAlarmTopic"}]


def test_a_single_failed_referral_attribution_pages_on_the_metric_the_code_emits() -> None:
    template = load_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))
    emitted = template["Globals"]["Function"]["Environment"]["Variables"]
    properties = template["Resources"]["ReferralAttributionFailedAlarm"]["Properties"]
    source = (ROOT / "layers/common/messenger_bank/programs/invite.py").read_text(encoding="utf-8")

    # Powertools emits in the Globals' namespace with the service as the only dimension (metrics.add_metric).
    assert 'add_metric(name="ReferralAttributionFailed"' in source
    assert properties["Namespace"] == emitted["POWERTOOLS_METRICS_NAMESPACE"]
    assert properties["Dimensions"] == [{"Name": "service", "Value": emitted["POWERTOOLS_SERVICE_NAME"]}]
    assert (properties["Statistic"], properties["Threshold"], properties["ComparisonOperator"]) == (
        "Sum",
        0,
        "GreaterThanThreshold",
    )
    assert properties["TreatMissingData"] == "notBreaching"


# Every alarm's runbook section: tests/unit/test_alarm_coverage.py.


DEEP_LINKS = {
    "TelegramBotUsername": "TELEGRAM_BOT_USERNAME",
    "ViberChatUri": "VIBER_CHAT_URI",
    "WhatsAppBusinessNumber": "WHATSAPP_BUSINESS_NUMBER",
    "MessengerPageName": "MESSENGER_PAGE",
}


@pytest.mark.parametrize("function", ["GetReferralFunction", "GetRecommendationsFunction"])
def test_the_bots_names_in_share_links_are_template_parameters(function: str) -> None:
    variables = template_resources()[function]["Properties"]["Environment"]["Variables"]

    given = {variable: variables.get(variable) for variable in DEEP_LINKS.values()}
    assert given == {variable: {"Ref": name} for name, variable in DEEP_LINKS.items()}


def test_the_deep_link_defaults_are_the_local_bots_and_valid_names() -> None:
    parameters = load_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))["Parameters"]
    local = ReferralSettings.of_variables(
        {variable: str(parameters[name]["Default"]) for name, variable in DEEP_LINKS.items()}
    )

    links = share_links("AB23CD45", config=local)

    assert links.telegram == "https://t.me/messenger_bank_local_bot?start=AB23CD45"
    assert links.whatsapp.startswith("https://wa.me/15550001234?")


def test_the_card_issuance_p95_alarm_fires_above_the_promised_thirty_seconds() -> None:
    template = load_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))
    properties = template["Resources"]["CardIssuanceSlowAlarm"]["Properties"]
    _, machine, key = properties["Threshold"]["Fn::FindInMap"]

    assert properties["ExtendedStatistic"] == "p95"
    assert template["Mappings"]["JourneyBudgets"][machine][key] == 30000


@pytest.mark.parametrize("alarm", ["CardIssuanceFailureRateAlarm", "WebhooksRefusedAlarm", "BankCoreErrorsAlarm"])
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


def test_a_journey_never_fails_because_the_customer_could_not_be_told() -> None:
    """A notification on the way to a good ending (or to the next step) catches its failure and goes on:
    money moved, a card issued or an order placed is not reported as a failed journey, and the
    application is still closed (its personal data forgotten)."""
    import yaml

    checked = 0
    for path in sorted((ROOT / "statemachines").glob("*.asl.yaml")):
        states = yaml.safe_load(path.read_text())["States"]
        for name, state in states.items():
            notifies = state.get("Type") == "Task" and "NotifyCustomerFunctionArn" in str(state.get("Resource"))
            if not notifies or states.get(state.get("Next", ""), {}).get("Type") == "Fail":
                continue
            checked += 1
            catches = {(tuple(c["ErrorEquals"]), c["Next"]) for c in state.get("Catch", [])}
            assert (("States.ALL",), state["Next"]) in catches, f"{path.name}: {name}"
    assert checked >= 8


def test_each_webhook_route_has_its_own_function(transformed: dict[str, Any]) -> None:
    api = next(iter(of_type(transformed, "AWS::ApiGatewayV2::Api").values()))
    paths = api["Properties"]["Body"]["paths"]

    assert set(paths) >= {f"/webhooks/{c}" for c in ("telegram", "viber", "whatsapp", "messenger")}
    assert set(paths["/webhooks/whatsapp"]) == {"get", "post"}
    assert set(paths["/webhooks/telegram"]) == {"post"}


# ---------------------------------------------------------------- the operations the conversation calls
OPERATION_PREFIX = "${AWS::StackName}-op-"


def deployed_operations() -> dict[str, dict[str, Any]]:
    """The functions template.yaml names `<stack>-op-<operation>`, by operation, with their properties."""
    found: dict[str, dict[str, Any]] = {}
    for resource in template_resources().values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        name = resource["Properties"].get("FunctionName", {})
        sub = name.get("Fn::Sub", "") if isinstance(name, dict) else ""
        if sub.startswith(OPERATION_PREFIX):
            found[sub.removeprefix(OPERATION_PREFIX)] = resource["Properties"]
    return found


def handler_of(code_uri: str) -> Any:
    return handler_module(Path(code_uri).name).lambda_handler


def test_every_deployed_operation_is_declared_and_every_declared_one_deployed() -> None:
    assert sorted(deployed_operations()) == sorted(OPERATIONS)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_each_operation_function_serves_its_declaration(name: str) -> None:
    properties = deployed_operations()[name]

    assert properties["CodeUri"] == f"functions/operations/{name}/"
    assert handler_of(properties["CodeUri"]).operation is OPERATIONS[name]


def test_every_operation_a_flow_calls_is_a_deployed_function() -> None:
    called = {
        step.operation for flow in load_flows().flows.values() for step in flow.steps if isinstance(step, CallStep)
    }

    assert called, "the flows call no operation: this test would check nothing"
    assert sorted(called - set(deployed_operations())) == []
