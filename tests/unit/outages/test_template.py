"""The breakers' table as template.yaml grants it: every function that calls a guarded bank system may read
and write it (else its calls fail at the breaker), and the thresholds are the template's parameters."""

from __future__ import annotations

from local.cloud.template import load_template_text
from messenger_bank.banking.settings import BankSettings
from tests.support.aws import ROOT, template_resources
from tests.unit.test_least_privilege import SYSTEMS_CALLED

# Core banking and Cerberus are reached through the Keycloak client; Passport and billing directly.
GUARDED_THROUGH = {"keycloak", "passport", "billing"}


def test_every_function_calling_a_guarded_system_may_use_the_breakers() -> None:
    resources = template_resources()
    roles = {ref["Ref"] for ref in resources["BankBreakersAccessPolicy"]["Properties"]["Roles"]}
    callers = {f"{name}Role" for name, systems in SYSTEMS_CALLED.items() if systems & GUARDED_THROUGH}
    assert callers - roles == set()
    assert "BankSystemsCheckFunctionRole" in roles


def test_the_breakers_thresholds_default_to_the_templates_parameters() -> None:
    resources = template_resources()
    parameters = {
        "BankBreakerFailures": BankSettings().breaker_failures,
        "BankBreakerWindowSeconds": BankSettings().breaker_window,
        "BankBreakerCoolDownSeconds": BankSettings().breaker_cool_down,
    }
    declared = load_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))["Parameters"]
    assert {name: float(declared[name]["Default"]) for name in parameters} == {
        name: float(value) for name, value in parameters.items()
    }
    assert "BankBreakersTable" in resources


def test_the_check_runs_every_minute_on_its_own_schedule() -> None:
    from local.cloud.template import transform

    document = transform(ROOT / "template.yaml", {"Stage": "dev"}, region="eu-central-1", account="123456789012")
    schedules = [
        r["Properties"]
        for r in document.resources.values()
        if r["Type"] == "AWS::Scheduler::Schedule"
        and r["Properties"]["Target"]["Arn"] == {"Fn::GetAtt": ["BankSystemsCheckFunction", "Arn"]}
    ]
    assert [s["ScheduleExpression"] for s in schedules] == ["rate(1 minute)"]
