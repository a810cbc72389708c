"""Every journey, bank system, queue, table and function is watched, and every alarm has its runbook section
(issue 19). Everything is read from template.yaml and the state machines it names: a state machine, queue or
table added there without its alarms fails here, and so does an alarm the runbook does not explain.

Each rule is a function that answers what it finds unwatched; each is checked once on the real template
(nothing unwatched) and once on a copy with one alarm taken away (exactly that thing unwatched), so a rule
that reads nothing cannot pass.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from local.cloud.template import load_structured_file, load_template_text
from messenger_bank.banking.settings import SYSTEMS

ROOT = Path(__file__).resolve().parents[2]
Template = dict[str, Any]

STATE_MACHINE_TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
OUTCOME_FUNCTION = "${JourneyOutcomeFunctionArn}"


@cache
def _read_template() -> Template:
    return load_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))


def the_template() -> Template:
    """A copy of template.yaml each case may change."""
    return copy.deepcopy(_read_template())


def the_runbook() -> str:
    return (ROOT / "docs/runbook.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- reading the alarms
def reference(value: Any) -> str:
    """A dimension's value as one string: `Ref:X`, `GetAtt:X.Attr`, or the literal."""
    if isinstance(value, dict) and "Ref" in value:
        return f"Ref:{value['Ref']}"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return "GetAtt:" + (".".join(target) if isinstance(target, list) else str(target))
    return str(value)


@dataclass(frozen=True)
class Watched:
    """One metric an alarm reads: namespace, name, dimensions and statistic."""

    namespace: str
    metric: str
    dimensions: frozenset[tuple[str, str]]
    stat: str


def watched(properties: dict[str, Any]) -> list[Watched]:
    def dims(entries: list[dict[str, Any]] | None) -> frozenset[tuple[str, str]]:
        return frozenset((d["Name"], reference(d["Value"])) for d in entries or [])

    if "MetricName" in properties:
        stat = properties.get("ExtendedStatistic") or properties.get("Statistic", "")
        return [
            Watched(properties["Namespace"], properties["MetricName"], dims(properties.get("Dimensions")), str(stat))
        ]
    found = []
    for query in properties.get("Metrics", []):
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            found.append(
                Watched(
                    metric["Namespace"],
                    metric["MetricName"],
                    dims(metric.get("Dimensions")),
                    str(query["MetricStat"]["Stat"]),
                )
            )
    return found


def alarms(template: Template) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def of_types(template: Template, *kinds: str) -> list[str]:
    return [name for name, resource in template["Resources"].items() if resource["Type"] in kinds]


def alarms_watching(template: Template, namespace: str, metric: str, dimensions: dict[str, str]) -> list[str]:
    wanted = frozenset(dimensions.items())
    return [
        name
        for name, properties in alarms(template).items()
        if any(w.namespace == namespace and w.metric == metric and w.dimensions == wanted for w in watched(properties))
    ]


def service_dimensions(template: Template, **more: str) -> dict[str, str]:
    """The dimensions Powertools puts on the bank's own metrics: the service (template Globals) and `more`."""
    service = template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    return {"service": service, **more}


def metrics_namespace(template: Template) -> str:
    return str(template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"])


# ---------------------------------------------------------------- the journeys
def journey_of(template: Template, machine: str) -> str:
    """A state machine's journey name as its metrics carry it: its definition file's name."""
    uri = str(template["Resources"][machine]["Properties"]["DefinitionUri"])
    return Path(uri).name.removesuffix(".asl.yaml").removesuffix(".asl.json")


@cache
def _read_definition(uri: str) -> str:
    return json.dumps(load_structured_file(ROOT / uri))


def definition_of(template: Template, machine: str) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(
        _read_definition(template["Resources"][machine]["Properties"]["DefinitionUri"])
    )
    return definition


def states_of(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Every state with the States map it lives in (a Map's or a Parallel's own states too)."""
    scope = definition.get("States", {})
    for name, state in scope.items():
        yield name, state, scope
        for branch in state.get("Branches", []):
            yield from states_of(branch)
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from states_of(state[key])


def journeys_without_a_failure_alarm(template: Template) -> list[str]:
    return [
        machine
        for machine in of_types(template, *STATE_MACHINE_TYPES)
        if not alarms_watching(template, "AWS/States", "ExecutionsFailed", {"StateMachineArn": f"Ref:{machine}"})
    ]


def journeys_without_a_p95_alarm_on_their_budget(template: Template) -> list[str]:
    budgets = template.get("Mappings", {}).get("JourneyBudgets", {})
    missing = []
    for machine in of_types(template, *STATE_MACHINE_TYPES):
        names = alarms_watching(template, "AWS/States", "ExecutionTime", {"StateMachineArn": f"Ref:{machine}"})
        on_budget = [
            name
            for name in names
            if alarms(template)[name].get("ExtendedStatistic") == "p95"
            and alarms(template)[name].get("Threshold")
            == {"Fn::FindInMap": ["JourneyBudgets", machine, "P95Milliseconds"]}
        ]
        if not on_budget or not isinstance(budgets.get(machine, {}).get("P95Milliseconds"), int):
            missing.append(machine)
    return missing


def journeys_whose_refusals_are_not_taken_off_the_failures(template: Template) -> list[str]:
    """A journey that records refusals (JourneysRefused) must have its failure alarm read that count too,
    or every refusal pages operations."""
    missing = []
    for machine in of_types(template, *STATE_MACHINE_TYPES):
        journey = journey_of(template, machine)
        records = any(
            state.get("Parameters", {}).get("FunctionName") == OUTCOME_FUNCTION
            and state["Parameters"]["Payload"].get("outcome") == "refused"
            for _, state, _ in states_of(definition_of(template, machine))
        )
        if not records:
            continue
        failure_alarms = set(
            alarms_watching(template, "AWS/States", "ExecutionsFailed", {"StateMachineArn": f"Ref:{machine}"})
        )
        refusals = set(
            alarms_watching(
                template, metrics_namespace(template), "JourneysRefused", service_dimensions(template, journey=journey)
            )
        )
        if not failure_alarms or not failure_alarms <= refusals:
            missing.append(machine)
    return missing


def stuck_money_states_without_an_alarm(template: Template) -> list[str]:
    """Every state named `...Stuck` (money between two accounts until the bank answers) is a Wait that leads back
    to the step that failed, so the journey keeps trying by itself (a Fail state could not be redriven: a redrive
    resumes at the state that failed), entered only through a step that counts MoneyStuck for its journey with
    the state's name as the reason; and that count has an alarm."""
    missing = []
    for machine in of_types(template, *STATE_MACHINE_TYPES):
        journey = journey_of(template, machine)
        alarmed = alarms_watching(
            template, metrics_namespace(template), "MoneyStuck", service_dimensions(template, journey=journey)
        )
        for name, state, scope in states_of(definition_of(template, machine)):
            if str(state.get("Error", "")).endswith("Stuck"):
                missing.append(f"{machine}.{name}")  # parked in a Fail: nothing would ever try again
                continue
            if not name.endswith("Stuck") or name.startswith("Record"):  # Record<X>Stuck counts it
                continue
            entries = [
                (other_name, other)
                for other_name, other in scope.items()
                if other.get("Next") == name
                or any(catch.get("Next") == name for catch in other.get("Catch", []))
                or other.get("Default") == name
                or any(choice.get("Next") == name for choice in other.get("Choices", []))
            ]
            counted = entries and all(
                other.get("Parameters", {}).get("FunctionName") == OUTCOME_FUNCTION
                and other["Parameters"]["Payload"]
                == {
                    "journey": journey,
                    "outcome": "stuck",
                    "reason": name,
                    "correlation_id.$": "$.correlation_id",
                }
                for _, other in entries
            )
            # The Wait leads back to the step whose failure brought the money here (its Catch enters the count).
            retried = scope.get(str(state.get("Next")), {})
            tries_again = state.get("Type") == "Wait" and any(
                catch.get("Next") in {entry for entry, _ in entries} for catch in retried.get("Catch", [])
            )
            counted = bool(counted) and tries_again
            if not counted or not alarmed:
                missing.append(f"{machine}.{name}")
    return missing


# ---------------------------------------------------------------- the bank's systems
def systems_without_error_and_latency_alarms(template: Template) -> list[str]:
    namespace = metrics_namespace(template)
    missing: list[str] = []
    for system in SYSTEMS:
        dimensions = service_dimensions(template, system=system)
        errors = alarms_watching(template, namespace, "BankCallErrors", dimensions)
        latency = [
            name
            for name in alarms_watching(template, namespace, "BankCallLatency", dimensions)
            if alarms(template)[name].get("ExtendedStatistic") == "p95"
            and alarms(template)[name].get("Threshold")
            == {"Fn::FindInMap": ["BankSystemBudgets", system, "P95Milliseconds"]}
        ]
        if not errors or not latency:
            missing.append(system)
    return missing


# ---------------------------------------------------------------- queues, tables, functions
def dead_letter_queues(template: Template) -> set[str]:
    found = set()
    for resource in template["Resources"].values():
        target = resource.get("Properties", {}).get("RedrivePolicy", {}).get("deadLetterTargetArn")
        if target is not None:
            found.add(reference(target).removeprefix("GetAtt:").removesuffix(".Arn"))
    return found


def queues_without_an_alarm(template: Template) -> list[str]:
    """A dead-letter queue: an alarm on its first message; any other queue: on the age of its oldest message."""
    dlqs = dead_letter_queues(template)
    missing = []
    for queue in of_types(template, "AWS::SQS::Queue"):
        metric = "ApproximateNumberOfMessagesVisible" if queue in dlqs else "ApproximateAgeOfOldestMessage"
        if not alarms_watching(template, "AWS/SQS", metric, {"QueueName": f"GetAtt:{queue}.QueueName"}):
            missing.append(queue)
    return missing


def tables_without_a_throttle_alarm(template: Template) -> list[str]:
    return [
        table
        for table in of_types(template, "AWS::DynamoDB::Table")
        if not all(
            alarms_watching(template, "AWS/DynamoDB", metric, {"TableName": f"Ref:{table}"})
            for metric in ("ReadThrottleEvents", "WriteThrottleEvents")
        )
    ]


def functions_without_error_and_throttle_alarms(template: Template) -> list[str]:
    """An account-level alarm (no dimension: every function of the account) covers every function; otherwise
    each function needs its own."""
    missing = []
    for function in of_types(template, *FUNCTION_TYPES):
        for metric in ("Errors", "Throttles"):
            if not (
                alarms_watching(template, "AWS/Lambda", metric, {})
                or alarms_watching(template, "AWS/Lambda", metric, {"FunctionName": f"Ref:{function}"})
            ):
                missing.append(f"{function}.{metric}")
    return missing


# ---------------------------------------------------------------- the runbook
def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def alarms_without_a_runbook_section(template: Template, runbook: str) -> list[str]:
    """The alarm's name in a section heading, or the section's anchor named in its description
    (`docs/runbook.md#<anchor>`)."""
    headings = [line.lstrip("#").strip() for line in runbook.splitlines() if re.match(r"#{2,4} ", line)]
    anchors = {slug(heading) for heading in headings}
    missing = []
    for name, properties in alarms(template).items():
        named = any(f"`{name}`" in heading for heading in headings)
        linked = re.findall(r"runbook\.md#([\w-]+)", str(properties.get("AlarmDescription", "")))
        if not named and not (linked and all(anchor in anchors for anchor in linked)):
            missing.append(name)
    return missing


def alarms_that_page_nobody(template: Template) -> list[str]:
    return [
        name
        for name, properties in alarms(template).items()
        if properties.get("AlarmActions") != [{"Ref": "OpsAlarmTopic"}]
    ]


def alarms_with_malformed_metric_math(template: Template) -> list[str]:
    """Each query of a metric-math alarm has only CloudWatch's keys (an unquoted comma in a flow mapping splits an
    expression into junk keys), each expression names only queries of the alarm, and exactly one returns data."""
    allowed = {"Id", "Expression", "Label", "ReturnData", "MetricStat", "Period", "AccountId"}
    functions = {"IF", "FILL", "SUM", "MAX", "MIN", "AVG", "ABS", "RATE", "DIFF", "METRICS", "REPEAT", "AND", "OR"}
    malformed = []
    for name, properties in alarms(template).items():
        queries = properties.get("Metrics")
        if queries is None:
            continue
        ids = {query.get("Id") for query in queries}
        named = {
            word
            for query in queries
            for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(query.get("Expression", "")))
            if word not in functions
        }
        returned = [query for query in queries if query.get("ReturnData", True)]
        if any(set(query) - allowed for query in queries) or not named <= ids or len(returned) != 1:
            malformed.append(name)
    return malformed


RULES: dict[str, Callable[[Template], list[str]]] = {
    "journey failure": journeys_without_a_failure_alarm,
    "journey p95": journeys_without_a_p95_alarm_on_their_budget,
    "refusals apart": journeys_whose_refusals_are_not_taken_off_the_failures,
    "stuck money": stuck_money_states_without_an_alarm,
    "bank systems": systems_without_error_and_latency_alarms,
    "queues": queues_without_an_alarm,
    "tables": tables_without_a_throttle_alarm,
    "functions": functions_without_error_and_throttle_alarms,
    "paging": alarms_that_page_nobody,
    "metric math": alarms_with_malformed_metric_math,
    "runbook": lambda template: alarms_without_a_runbook_section(template, the_runbook()),
}


@pytest.mark.parametrize("rule", RULES)
def test_everything_the_template_runs_is_watched(rule: str) -> None:
    assert RULES[rule](the_template()) == []


def test_the_rules_read_what_they_cover() -> None:
    """The template has what the rules look at: a rule over an empty list would pass on anything."""
    template = the_template()

    assert len(of_types(template, *STATE_MACHINE_TYPES)) >= 6
    assert {"RefundStuck", "VoidStuck", "PaymentStuck", "TopUpCreditStuck"} <= {
        name
        for machine in of_types(template, *STATE_MACHINE_TYPES)
        for name, state, _ in states_of(definition_of(template, machine))
        if state.get("Type") == "Wait"
    }
    assert dead_letter_queues(template) == {"InboundDeadLetterQueue"}
    assert len(of_types(template, "AWS::DynamoDB::Table")) >= 7
    assert len(of_types(template, *FUNCTION_TYPES)) >= 70
    assert set(SYSTEMS) >= {"core", "passport", "cerberus", "billing", "keycloak", "acquirer", "partners"}


# ---------------------------------------------------------------- each rule fails on a template missing one alarm
def without(template: Template, *names: str) -> Template:
    changed = copy.deepcopy(template)
    for name in names:
        del changed["Resources"][name]
    return changed


@pytest.mark.parametrize(
    ("rule", "removed", "unwatched"),
    [
        ("journey failure", ["TransferFailureRateAlarm"], ["TransferStateMachine"]),
        ("journey failure", ["CashbackPayoutFailedAlarm"], ["CashbackPayoutStateMachine"]),
        ("journey p95", ["TopUpSlowAlarm"], ["TopUpStateMachine"]),
        ("stuck money", ["BillPaymentMoneyStuckAlarm"], ["BillPaymentStateMachine.PaymentStuck"]),
        ("stuck money", ["TopUpMoneyStuckAlarm"], ["TopUpStateMachine.TopUpCreditStuck"]),
        ("bank systems", ["BankPassportErrorsAlarm"], ["passport"]),
        ("bank systems", ["BankCerberusSlowAlarm"], ["cerberus"]),
        ("queues", ["InboundQueueAgeAlarm"], ["InboundQueue"]),
        ("queues", ["InboundDeadLetterAlarm"], ["InboundDeadLetterQueue"]),
        ("tables", ["SendRatesTableThrottledAlarm"], ["SendRatesTable"]),
    ],
)
def test_a_template_missing_one_alarm_fails_its_rule(rule: str, removed: list[str], unwatched: list[str]) -> None:
    assert RULES[rule](without(the_template(), *removed)) == unwatched


def test_without_the_account_level_lambda_alarms_every_function_is_unwatched() -> None:
    template = the_template()

    missing = functions_without_error_and_throttle_alarms(without(template, "LambdaThrottlesAlarm"))

    assert missing == [f"{function}.Throttles" for function in of_types(template, *FUNCTION_TYPES)]


def test_a_function_with_alarms_of_its_own_is_watched_without_the_account_level_ones() -> None:
    template = without(the_template(), "LambdaErrorsAlarm", "LambdaThrottlesAlarm")
    for metric in ("Errors", "Throttles"):
        template["Resources"][f"Own{metric}"] = {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "Namespace": "AWS/Lambda",
                "MetricName": metric,
                "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "ConversationFunction"}}],
            },
        }

    missing = functions_without_error_and_throttle_alarms(template)

    assert "ConversationFunction.Errors" not in missing and "ConversationFunction.Throttles" not in missing
    assert "FindCustomerFunction.Errors" in missing


def test_a_new_state_machine_without_alarms_is_found() -> None:
    """The machines come from the template, not from a list here: one more must bring its alarms."""
    template = the_template()
    template["Resources"]["LoanRepaymentStateMachine"] = copy.deepcopy(template["Resources"]["TopUpStateMachine"])

    assert journeys_without_a_failure_alarm(template) == ["LoanRepaymentStateMachine"]
    assert journeys_without_a_p95_alarm_on_their_budget(template) == ["LoanRepaymentStateMachine"]


def test_a_failure_alarm_that_counts_refusals_as_failures_is_found() -> None:
    template = the_template()
    properties = template["Resources"]["TransferFailureRateAlarm"]["Properties"]
    properties["Metrics"] = [m for m in properties["Metrics"] if m["Id"] != "refused"]

    assert journeys_whose_refusals_are_not_taken_off_the_failures(template) == ["TransferStateMachine"]


def test_a_stuck_state_entered_without_counting_it_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    template = the_template()
    real = definition_of

    def skipping_the_count(of: Template, machine: str) -> dict[str, Any]:
        definition = real(of, machine)
        if machine == "TransferStateMachine":
            definition["States"]["Refund"]["Catch"][0]["Next"] = "RefundStuck"
        return definition

    monkeypatch.setattr(f"{__name__}.definition_of", skipping_the_count)

    assert stuck_money_states_without_an_alarm(template) == ["TransferStateMachine.RefundStuck"]


def changed_transfer(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    real = definition_of

    def changed(of: Template, machine: str) -> dict[str, Any]:
        definition = real(of, machine)
        if machine == "TransferStateMachine":
            change(definition["States"])
        return definition

    monkeypatch.setattr(f"{__name__}.definition_of", changed)


def test_money_parked_in_a_fail_state_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """A redrive resumes at the state that failed: a Fail state fails again, and the refund is never retried."""
    changed_transfer(monkeypatch, lambda states: states.update(RefundStuck={"Type": "Fail", "Error": "RefundStuck"}))
    assert stuck_money_states_without_an_alarm(the_template()) == ["TransferStateMachine.RefundStuck"]


def test_a_stuck_wait_that_does_not_lead_back_to_the_step_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    changed_transfer(monkeypatch, lambda states: states["VoidStuck"].update(Next="TellTryLater"))
    assert stuck_money_states_without_an_alarm(the_template()) == ["TransferStateMachine.VoidStuck"]


def test_a_stuck_state_counted_under_another_name_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    changed_transfer(
        monkeypatch, lambda states: states["RecordVoidStuck"]["Parameters"]["Payload"].update(reason="RefundStuck")
    )
    assert stuck_money_states_without_an_alarm(the_template()) == ["TransferStateMachine.VoidStuck"]


def test_a_bank_latency_alarm_off_its_budget_is_found() -> None:
    template = the_template()
    template["Resources"]["BankCoreSlowAlarm"]["Properties"]["Threshold"] = 2000

    assert systems_without_error_and_latency_alarms(template) == ["core"]


def test_an_alarm_without_a_runbook_section_is_found() -> None:
    template = the_template()
    runbook = the_runbook()
    template["Resources"]["BankCoreSlowAlarm"]["Properties"]["AlarmDescription"] = "see docs/runbook.md#no-such-section"

    assert alarms_without_a_runbook_section(template, runbook) == ["BankCoreSlowAlarm"]
    assert alarms_without_a_runbook_section(template, runbook + "\n### No such section\n") == []
    # A heading that names the alarm is enough without an anchor.
    assert alarms_without_a_runbook_section(template, runbook + "\n### Core slow (`BankCoreSlowAlarm`)\n") == []


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (
            {"Id": "real", "Expression": "FILL(failed", " 0) + FILL(timedout": None, "ReturnData": False},
            "a split expression",
        ),
        ({"Id": "real", "Expression": "FILL(failures, 0)", "ReturnData": False}, "a query it does not have"),
        ({"Id": "real", "Expression": "FILL(failed, 0)", "ReturnData": True}, "two series returned"),
    ],
)
def test_malformed_metric_math_is_found(change: dict[str, Any], why: str) -> None:
    template = the_template()
    queries = template["Resources"]["TransferFailureRateAlarm"]["Properties"]["Metrics"]
    queries[:] = [change if query["Id"] == "real" else query for query in queries]

    assert alarms_with_malformed_metric_math(template) == ["TransferFailureRateAlarm"], why


def test_an_alarm_that_pages_nobody_is_found() -> None:
    template = the_template()
    template["Resources"]["LambdaThrottlesAlarm"]["Properties"]["AlarmActions"] = []

    assert alarms_that_page_nobody(template) == ["LambdaThrottlesAlarm"]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Bank system error rate", "bank-system-error-rate"),
        ("Money stuck (`TransferMoneyStuckAlarm`, …)", "money-stuck-transfermoneystuckalarm-"),
        ("Customers waiting in the inbound queue", "customers-waiting-in-the-inbound-queue"),
    ],
)
def test_anchors_are_githubs(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


# ---------------------------------------------------------------- the alarms read what the code emits
def emitted(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of each EMF blob the code printed."""
    found = []
    for line in capsys.readouterr().out.splitlines():
        if '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for names in directive["Dimensions"]:
                for metric in directive["Metrics"]:
                    found.append((directive["Namespace"], metric["Name"], {n: str(blob[n]) for n in names}))
    return found


@pytest.fixture
def deployed_service(monkeypatch: pytest.MonkeyPatch) -> Template:
    """The service name the template gives every function, as a cold start reads it (the bank's `metrics` may have
    been made before this case, without it)."""
    from messenger_bank.observability import metrics

    template = the_template()
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", variables["POWERTOOLS_SERVICE_NAME"])
    monkeypatch.setattr(metrics, "service", variables["POWERTOOLS_SERVICE_NAME"])
    return template


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_bank_system_alarms_read_the_series_a_call_emits(
    capsys: pytest.CaptureFixture[str], deployed_service: Template, system: str
) -> None:
    from messenger_bank.banking.clients.http import bank_call_measured

    client_name = "partner:gamearena" if system == "partners" else system
    bank_call_measured(client_name, 120.0, failed=True)

    series = emitted(capsys)
    for metric in ("BankCallErrors", "BankCallLatency"):
        namespace, _, dimensions = next(s for s in series if s[1] == metric)
        assert alarms_watching(deployed_service, namespace, metric, dimensions), (system, metric)


def test_the_journey_alarms_read_the_series_the_outcome_step_emits(
    capsys: pytest.CaptureFixture[str], deployed_service: Template
) -> None:
    from messenger_bank.journeys.outcomes import JourneyOutcome, record_outcome

    record_outcome(JourneyOutcome(journey="transfer", outcome="refused", reason="InsufficientFunds"))
    record_outcome(JourneyOutcome(journey="transfer", outcome="stuck", reason="RefundStuck"))

    series = emitted(capsys)
    assert [metric for _, metric, _ in series] == ["JourneysRefused", "JourneysRefused", "MoneyStuck"]
    refused_by_journey, refused_by_reason, stuck = series
    assert alarms_watching(deployed_service, *refused_by_journey) == ["TransferFailureRateAlarm"]
    assert refused_by_reason[2] == {"service": "messenger-bank", "journey": "transfer", "reason": "InsufficientFunds"}
    assert alarms_watching(deployed_service, *refused_by_reason) == []  # to look at, never to page
    assert alarms_watching(deployed_service, *stuck) == ["TransferMoneyStuckAlarm"]


class _Context:
    function_name = "a_step"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:a_step"
    aws_request_id = "req-1"


@pytest.mark.parametrize(("raised", "counted"), [("InsufficientFunds", True), ("ValueError", False)])
def test_the_lambda_errors_alarm_takes_off_the_domain_errors_a_function_raises(
    capsys: pytest.CaptureFixture[str], deployed_service: Template, raised: str, counted: bool
) -> None:
    """A domain error is the bank's answer a journey catches; any other exception is a fault, left in the alarm."""
    from pydantic import BaseModel

    import messenger_bank.errors as errors
    from messenger_bank.handlers import step_lambda

    class Nothing(BaseModel):
        pass

    error = getattr(errors, raised, None) or ValueError

    def step(_: Nothing) -> Nothing:
        raise error("refused")

    with pytest.raises(error):
        step_lambda(Nothing, step)({}, _Context())

    series = [s for s in emitted(capsys) if s[1] == "DomainErrorsRaised"]
    assert len(series) == (1 if counted else 0)
    if counted:
        assert alarms_watching(deployed_service, *series[0]) == ["LambdaErrorsAlarm"], series


def broken_links(runbook: str) -> list[str]:
    anchors = {slug(line.lstrip("#").strip()) for line in runbook.splitlines() if re.match(r"#{1,4} ", line)}
    return sorted(set(re.findall(r"\]\(#([^)]+)\)", runbook)) - anchors)


def test_the_runbooks_links_lead_to_its_sections() -> None:
    """The sections send the reader to each other ([Bank system error rate](#bank-system-error-rate))."""
    runbook = the_runbook()

    assert broken_links(runbook) == []
    assert broken_links(runbook + "\nSee [nothing](#no-such-section).\n") == ["no-such-section"]


def test_the_undelivered_notices_alarm_reads_the_series_a_notice_that_reached_no_chat_emits(
    capsys: pytest.CaptureFixture[str], deployed_service: Template
) -> None:
    from messenger_bank.channels.models import ChatRef
    from messenger_bank.notices import service
    from messenger_bank.observability import metrics

    metrics.clear_metrics()
    service._undelivered("transfer.incoming", ChatRef(channel="viber", chat_id="v-1"), ["cap_reached"])
    metrics.flush_metrics()

    (series,) = [s for s in emitted(capsys) if s[1] == "NoticesUndelivered"]
    assert alarms_watching(deployed_service, *series) == ["NoticesUndeliveredAlarm"]
