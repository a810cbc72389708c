"""The monthly credit statement as operators and auditors read its definitions: the schedule starts the
statement machine on the statement day the template sets (a parameter, not code) with the scheduled time and
a role that may start only it; each customer is an item of a Map where one customer's failure stops neither
the others nor the run's end, which is failed when someone was not sent their statement (the alarm's metric).
Each step gets what its Lambda's model reads (cards/models.py), so a renamed field fails here, not in the
month's run. The local cloud runs no schedules (it lists them as skipped): `make credit-statement` is the
trigger there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from local.cloud.template import Resolver, load_template_text, parameter_values, transform
from messenger_bank.cards.models import StatementItem, StatementRunStart, StatementSent
from tests.unit.test_cashback_payout_journey import model_fields, payload_fields, schedule_of
from tests.unit.test_statemachines import states_of

ROOT = Path(__file__).resolve().parents[2]
MACHINE = "CreditStatementStateMachine"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return transform(ROOT / "template.yaml", {"Stage": "dev"}, region="eu-central-1", account="123456789012").resources


def cron_fields(document: dict[str, Any], overrides: dict[str, str] | None = None) -> list[str]:
    """The schedule's cron expression as CloudFormation resolves it with the stack's parameters."""
    resolver = Resolver(parameter_values(document, overrides or {}), {}, {})
    expression = str(resolver.resolve(schedule_of(document["Resources"], MACHINE)["ScheduleExpression"]))
    return expression.removeprefix("cron(").removesuffix(")").split()


@pytest.fixture(scope="module")
def states() -> dict[str, dict[str, Any]]:
    definition = yaml.safe_load((ROOT / "statemachines" / "credit_statement.asl.yaml").read_text(encoding="utf-8"))
    return dict(states_of(definition))


def test_the_schedule_starts_the_statement_machine_on_the_statement_day_with_its_time(
    resources: dict[str, Any],
) -> None:
    document = transform(ROOT / "template.yaml", {"Stage": "dev"}, region="eu-central-1", account="1" * 12).document
    schedule = schedule_of(resources, MACHINE)
    _minute, hour, day, month, weekday, year = cron_fields(document)

    assert (hour, day, month, weekday, year) == ("6", "1", "*", "?", "*")  # StatementDay's default
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Minsk"
    assert "<aws.scheduler.scheduled-time>" in schedule["Target"]["Input"]


def test_the_statement_day_is_a_template_parameter_every_month_has() -> None:
    template = load_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))
    day = template["Parameters"]["StatementDay"]

    assert (day["MinValue"], day["MaxValue"]) == (1, 28)


def test_a_statement_day_set_otherwise_is_the_schedules_day() -> None:
    document = transform(ROOT / "template.yaml", {"Stage": "dev"}, region="eu-central-1", account="1" * 12).document

    assert cron_fields(document, {"StatementDay": "5"})[2] == "5"


def test_the_schedules_role_may_only_start_the_statement_machine(resources: dict[str, Any]) -> None:
    schedule = schedule_of(resources, MACHINE)
    role = resources[schedule["Target"]["RoleArn"]["Fn::GetAtt"][0]]["Properties"]

    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    assert [(s["Effect"], s["Action"], s["Resource"]) for s in statements] == [
        ("Allow", "states:StartExecution", {"Ref": MACHINE})
    ]


def test_the_machine_may_invoke_only_its_steps(resources: dict[str, Any]) -> None:
    machine = resources[MACHINE]["Properties"]
    role = resources[machine["RoleArn"]["Fn::GetAtt"][0]]["Properties"]
    invoked = {
        s["Resource"]["Fn::Sub"][1]["functionName"]["Ref"]
        for policy in role["Policies"]
        for s in policy["PolicyDocument"]["Statement"]
        if s["Action"] == ["lambda:InvokeFunction"]
    }

    assert invoked == {"StatementRunFunction", "StatementSendFunction"}


def test_the_statement_step_reads_the_credit_terms_the_template_sets(resources: dict[str, Any]) -> None:
    variables = resources["StatementSendFunction"]["Properties"]["Environment"]["Variables"]
    on_demand = resources["GetStatementFunction"]["Properties"]["Environment"]["Variables"]

    credit = {name: value for name, value in on_demand.items() if name.startswith("CREDIT_")}
    assert credit and {name: variables.get(name) for name in credit} == credit


def test_each_customer_is_an_item_of_the_map_with_the_runs_month(states: dict[str, dict[str, Any]]) -> None:
    # The listing loops (a step scans ten minutes) until the list is complete, then the Map reads it.
    assert states["ListCustomers"]["Next"] == "AllListed"
    (more,) = states["AllListed"]["Choices"]
    assert (more["Variable"], more["IsNull"], more["Next"]) == ("$.listed.listing", False, "ListCustomers")
    assert states["AllListed"]["Default"] == "SendEachStatement"
    assert states["ListCustomers"]["Parameters"]["Payload"]["listing.$"] == "$.listed.listing"
    assert states["ListCustomers"]["ResultPath"] == "$.listed"
    each = states["SendEachStatement"]
    assert each["Type"] == "Map" and "ItemsPath" not in each  # the list is read from S3, not from the state
    assert each["ItemReader"]["Parameters"] == {
        "Bucket.$": "$.listed.customers.bucket",
        "Key.$": "$.listed.customers.key",
    }
    assert each["ItemSelector"] == {
        "customer_id.$": "$$.Map.Item.Value.customer_id",
        "month.$": "$.listed.month",
        "correlation_id.$": "$.correlation_id",
    }
    assert each["ItemProcessor"]["StartAt"] == "SendStatement"


def test_the_steps_are_given_what_their_models_read(states: dict[str, dict[str, Any]]) -> None:
    assert payload_fields(states["ListCustomers"]) == model_fields(StatementRunStart)
    assert payload_fields(states["SendStatement"]) == model_fields(StatementItem)
    assert {v.removeprefix("$.Payload.") for v in states["SendStatement"]["ResultSelector"].values()} <= model_fields(
        StatementSent
    )


def test_a_customer_every_chat_refused_is_tried_again_within_the_run(states: dict[str, dict[str, Any]]) -> None:
    retried = {error for retry in states["SendStatement"]["Retry"] for error in retry["ErrorEquals"]}

    assert {"StatementNotTold", "BankSystemUnavailable"} <= retried


def test_one_customer_failing_is_kept_and_the_others_go_on(states: dict[str, dict[str, Any]]) -> None:
    each = states["SendEachStatement"]
    # The customer's error fails only their child (kept with its cause in the FAILED results); every other
    # customer is still tried: the Map Run tolerates any share of failures, the run's end reads the counts.
    assert "Catch" not in states["SendStatement"] and "NotSent" not in states
    assert each["ToleratedFailurePercentage"] == 100
    assert each["ResultWriter"]["Parameters"]["Bucket"] == "${MonthlyRunsBucket}"


def test_the_run_ends_failed_when_someone_was_not_sent_their_statement(states: dict[str, dict[str, Any]]) -> None:
    counted = states[states["SendEachStatement"]["Next"]]
    assert counted["Resource"] == "arn:aws:states:::aws-sdk:sfn:describeMapRun"
    assert counted["Parameters"] == {"MapRunArn.$": "$.results.MapRunArn"}
    (choice,) = states["AnyNotSent"]["Choices"]
    assert {(c["Variable"], c["NumericGreaterThan"]) for c in choice["Or"]} == {
        ("$.tally.failed", 0),
        ("$.tally.timed_out", 0),
        ("$.tally.aborted", 0),
    }
    assert choice["Next"] == "SomeNotSent"
    assert (states["SomeNotSent"]["Type"], states["SomeNotSent"]["Error"]) == ("Fail", "CreditStatementNotSent")
    assert {v.removeprefix("$.ItemCounts.") for v in counted["ResultSelector"].values()} == {
        "Total",
        "Succeeded",
        "Failed",
        "TimedOut",
        "Aborted",
    }


def test_the_statement_run_failing_pages_the_ops_topic(resources: dict[str, Any]) -> None:
    alarm = resources["CreditStatementFailedAlarm"]["Properties"]

    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/States", "ExecutionsFailed")
    assert alarm["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": MACHINE}}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "OpsAlarmTopic"}]


def test_make_credit_statement_starts_the_month_named_or_what_the_schedule_would() -> None:
    from datetime import UTC, datetime

    from local.credit_statement import start_statements
    from local.monthly_journey import run_input

    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert run_input("2026-11", now) == {"month": "2026-11"}
    assert run_input(None, now) == {"scheduled_at": "2026-12-01T03:00:00+00:00"}
    with pytest.raises(ValueError, match="YYYY-MM"):
        start_statements(object(), "arn:aws:states:eu-central-1:123456789012:stateMachine:x", "2026-13")
