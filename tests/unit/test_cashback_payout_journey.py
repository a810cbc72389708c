"""The monthly cashback payout as operators and auditors read its definitions: the schedule starts the payout
machine on the 1st with the scheduled time and a role that may start only it; the machine pays each customer
in a Map where one customer's failure stops neither the others nor the run's end, tells only a month just
paid, never fails for a notice, and ends failed when someone is left unpaid (the alarm's metric). Each step
gets what its Lambda's model reads (purchases/models.py), so a renamed field fails here, not in the month's run.
The local cloud runs no schedules (it lists them as skipped): `make cashback-payout` is the trigger there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from local.cloud.template import transform
from messenger_bank.notices.models import NotifyRequest
from messenger_bank.purchases.models import PayoutItem, PayoutNotice, PayoutOutcome, PayoutStart, PayoutTelling
from tests.unit.test_statemachines import states_of

ROOT = Path(__file__).resolve().parents[2]
MACHINE = "CashbackPayoutStateMachine"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return transform(ROOT / "template.yaml", {"Stage": "dev"}, region="eu-central-1", account="123456789012").resources


@pytest.fixture(scope="module")
def states() -> dict[str, dict[str, Any]]:
    definition = yaml.safe_load((ROOT / "statemachines" / "cashback_payout.asl.yaml").read_text(encoding="utf-8"))
    return dict(states_of(definition))


def schedule_of(resources: dict[str, Any], machine: str) -> dict[str, Any]:
    """The one EventBridge schedule that starts `machine` (each monthly journey has its own)."""
    (schedule,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Scheduler::Schedule" and r["Properties"]["Target"]["Arn"] == {"Ref": machine}
    ]
    return schedule


def payload_fields(state: dict[str, Any]) -> set[str]:
    payload = state["Parameters"].get("Payload", state["Parameters"])
    return {name.removesuffix(".$") for name in payload if name != "FunctionName"} - {"correlation_id"}


def model_fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_the_schedule_starts_the_payout_machine_on_the_first_with_its_time(resources: dict[str, Any]) -> None:
    schedule = schedule_of(resources, MACHINE)
    _minute, _hour, day, month, weekday, year = schedule["ScheduleExpression"].removeprefix("cron(").rstrip(")").split()

    assert (day, month, weekday, year) == ("1", "*", "?", "*")
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Minsk"  # the programme's +03:00
    assert schedule["Target"]["Arn"] == {"Ref": MACHINE}
    assert "<aws.scheduler.scheduled-time>" in schedule["Target"]["Input"]


def test_the_schedules_role_may_only_start_the_payout_machine(resources: dict[str, Any]) -> None:
    schedule = schedule_of(resources, MACHINE)
    role = resources[schedule["Target"]["RoleArn"]["Fn::GetAtt"][0]]["Properties"]

    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": ["scheduler.amazonaws.com"]}
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    assert [(s["Effect"], s["Action"], s["Resource"]) for s in statements] == [
        ("Allow", "states:StartExecution", {"Ref": MACHINE})
    ]


def test_the_machine_is_started_with_the_payout_steps_and_the_notify_function(resources: dict[str, Any]) -> None:
    machine = resources[MACHINE]["Properties"]
    role = resources[machine["RoleArn"]["Fn::GetAtt"][0]]["Properties"]
    invoked = {
        s["Resource"]["Fn::Sub"][1]["functionName"]["Ref"]
        for policy in role["Policies"]
        for s in policy["PolicyDocument"]["Statement"]
        if s["Action"] == ["lambda:InvokeFunction"]
    }

    assert invoked == {"PayoutRunFunction", "PayoutPayFunction", "PayoutNoticesFunction", "NotifyCustomerFunction"}


def test_each_customer_is_an_item_of_the_map_with_the_runs_month(states: dict[str, dict[str, Any]]) -> None:
    # The listing loops (a step scans ten minutes) until the list is complete, then the Map reads it.
    assert states["ListCustomers"]["Next"] == "AllListed"
    (more,) = states["AllListed"]["Choices"]
    assert (more["Variable"], more["IsNull"], more["Next"]) == ("$.listed.listing", False, "ListCustomers")
    assert states["AllListed"]["Default"] == "PayEachCustomer"
    assert states["ListCustomers"]["Parameters"]["Payload"]["listing.$"] == "$.listed.listing"
    assert states["ListCustomers"]["ResultPath"] == "$.listed"
    each = states["PayEachCustomer"]
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
    assert each["ItemProcessor"]["StartAt"] == "PayMonth"


def test_the_steps_are_given_what_their_models_read(states: dict[str, dict[str, Any]]) -> None:
    assert payload_fields(states["ListCustomers"]) == model_fields(PayoutStart)
    assert payload_fields(states["PayMonth"]) == model_fields(PayoutItem)
    assert payload_fields(states["PrepareNotices"]) == model_fields(PayoutTelling)
    assert {v.removeprefix("$.Payload.") for v in states["PayMonth"]["ResultSelector"].values()} <= model_fields(
        PayoutOutcome
    )
    told = {name.removesuffix(".$") for name in states["TellPaid"]["Parameters"]} - {"correlation_id"}
    assert told == model_fields(PayoutNotice) and told <= model_fields(NotifyRequest)


def matches(rule: dict[str, Any], state: dict[str, Any]) -> bool:
    """A Choice rule of the kinds JustPaid uses, read as Step Functions reads it ($.payout.<field> only)."""
    if "Or" in rule:
        return any(matches(r, state) for r in rule["Or"])
    if "And" in rule:
        return all(matches(r, state) for r in rule["And"])
    value = state["payout"][rule["Variable"].removeprefix("$.payout.")]
    if "StringEquals" in rule:
        return bool(value == rule["StringEquals"])
    return bool(value > rule["NumericGreaterThan"])


@pytest.mark.parametrize(
    ("outcome", "amount_minor", "told"),
    [
        ("paid", 87, True),
        # PayMonth paid, then stopped (a timeout, a lost answer); tried again it finds the month settled.
        ("already_settled", 87, True),
        ("already_settled", 0, False),  # a month settled before with nothing in it
        ("nothing_to_pay", 0, False),
    ],
)
def test_a_month_paid_now_or_by_a_try_before_goes_to_its_telling(
    states: dict[str, dict[str, Any]], outcome: str, amount_minor: int, told: bool
) -> None:
    assert states["PayMonth"]["Next"] == "JustPaid"
    assert outcome in PayoutOutcome.model_fields["outcome"].annotation.__args__  # type: ignore[union-attr]
    state = {"payout": {"outcome": outcome, "amount_minor": amount_minor}}
    chosen = [c["Next"] for c in states["JustPaid"]["Choices"] if matches(c, state)]
    assert (chosen[0] if chosen else states["JustPaid"]["Default"]) == ("PrepareNotices" if told else "CustomerDone")


def test_one_customer_failing_is_kept_and_the_others_go_on(states: dict[str, dict[str, Any]]) -> None:
    each = states["PayEachCustomer"]
    # The customer's error fails only their child (kept with its cause in the FAILED results); every other
    # customer is still tried: the Map Run tolerates any share of failures, the run's end reads the counts.
    assert "Catch" not in states["PayMonth"] and "NotPaid" not in states
    assert each["ToleratedFailurePercentage"] == 100
    assert each["ResultWriter"]["Parameters"]["Bucket"] == "${MonthlyRunsBucket}"


def test_a_notice_never_fails_a_payout(states: dict[str, dict[str, Any]]) -> None:
    assert [c["ErrorEquals"] for c in states["PrepareNotices"]["Catch"]] == [["States.ALL"]]
    assert states["PrepareNotices"]["Catch"][0]["Next"] == "CustomerDone"
    tell = states["TellPaid"]
    assert tell["Resource"] == "${NotifyCustomerFunctionArn}"
    assert tell["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.notify_failure", "Next": "ChatDone"}]


def test_a_notice_not_prepared_is_tried_again_by_its_run_whatever_the_error(states: dict[str, dict[str, Any]]) -> None:
    prepare = states["PrepareNotices"]
    # The run names itself to the step, which claims the telling for it: a try again finds its own claim.
    assert prepare["Parameters"]["Payload"]["run.$"] == prepare["Parameters"]["Payload"]["correlation_id.$"]
    assert prepare["Retry"][-1]["ErrorEquals"] == ["States.ALL"]
    assert prepare["Retry"][-1]["MaxAttempts"] >= 1


def test_the_run_ends_failed_when_someone_is_left_unpaid(states: dict[str, dict[str, Any]]) -> None:
    counted = states[states["PayEachCustomer"]["Next"]]
    assert counted["Resource"] == "arn:aws:states:::aws-sdk:sfn:describeMapRun"
    assert counted["Parameters"] == {"MapRunArn.$": "$.results.MapRunArn"}
    (choice,) = states["AnyNotPaid"]["Choices"]
    assert {(c["Variable"], c["NumericGreaterThan"]) for c in choice["Or"]} == {
        ("$.tally.failed", 0),
        ("$.tally.timed_out", 0),
        ("$.tally.aborted", 0),
    }
    assert choice["Next"] == "SomeNotPaid"
    assert (states["SomeNotPaid"]["Type"], states["SomeNotPaid"]["Error"]) == ("Fail", "CashbackNotPaid")
    assert {v.removeprefix("$.ItemCounts.") for v in counted["ResultSelector"].values()} == {
        "Total",
        "Succeeded",
        "Failed",
        "TimedOut",
        "Aborted",
    }


def test_the_payout_failing_pages_the_ops_topic(resources: dict[str, Any]) -> None:
    alarm = resources["CashbackPayoutFailedAlarm"]["Properties"]

    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/States", "ExecutionsFailed")
    assert alarm["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": MACHINE}}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "OpsAlarmTopic"}]


def test_make_cashback_payout_starts_the_month_named_or_what_the_schedule_would() -> None:
    from datetime import UTC, datetime

    from local.cashback_payout import payout_input, start_payout

    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert payout_input("2026-11", now) == {"month": "2026-11"}
    assert payout_input(None, now) == {"scheduled_at": "2026-12-01T03:00:00+00:00"}
    with pytest.raises(ValueError, match="YYYY-MM"):
        start_payout(object(), "arn:aws:states:eu-central-1:123456789012:stateMachine:x", "2026-13")
