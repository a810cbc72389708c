"""The card issuance's functions are woken as a newcomer starts (issue 20): the conversation starts the warm-up
machine at most once every five minutes per container, the machine wakes every function the confirmation and the journey
use, and a function answers a warm-up without reading a request, while anything more than a warm-up is a
request like any other."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from messenger_bank.handlers import step_lambda
from messenger_bank.invocation import CORRELATION_KEY, WARM_UP_KEY, is_warm_up
from messenger_bank.journeys import service as journeys
from messenger_bank.journeys.settings import journey_settings
from tests.support.journeys import machine_on_moto
from tests.unit.test_alarm_coverage import the_template

ROOT = Path(__file__).resolve().parents[2]
DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


@pytest.fixture
def warm_up_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    monkeypatch.setattr(journeys, "_prepared", {})
    variable = "CARD_ISSUANCE_WARM_UP_STATE_MACHINE_ARN"
    with machine_on_moto(monkeypatch, variable, "card-issuance-warm-up", DEFINITION) as machine:
        yield machine


def started(sfn: Any, arn: str) -> int:
    return len(sfn.list_executions(stateMachineArn=arn)["executions"])


def test_a_journey_is_prepared_once_in_five_minutes_whatever_the_number_of_newcomers(
    warm_up_machine: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sfn, arn = warm_up_machine
    clock = [1000.0]
    monkeypatch.setattr(journeys.time, "monotonic", lambda: clock[0])
    journeys.prepare("card_issuance")
    journeys.prepare("card_issuance")  # a second newcomer in the same five minutes: the functions are awake
    assert started(sfn, arn) == 1
    clock[0] += journeys.PREPARE_EVERY_S
    journeys.prepare("card_issuance")
    names = [execution["name"] for execution in sfn.list_executions(stateMachineArn=arn)["executions"]]
    # Each named afresh: a name is never reused (moto would call an unnamed one "None", and refuse the next).
    assert len(names) == len(set(names)) == 2 and all(name.startswith("card_issuance-") for name in names)


def test_a_journey_without_a_warm_up_machine_is_not_prepared(warm_up_machine: tuple[Any, str]) -> None:
    sfn, arn = warm_up_machine
    journeys.prepare("transfer")  # no TRANSFER_WARM_UP_STATE_MACHINE_ARN: nothing to start, nothing raised
    assert started(sfn, arn) == 0


def test_a_refused_warm_up_leaves_the_turn_alone_and_says_why(
    warm_up_machine: tuple[Any, str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sfn, arn = warm_up_machine
    monkeypatch.setenv("CARD_ISSUANCE_WARM_UP_STATE_MACHINE_ARN", arn.replace("card-issuance-warm-up", "deleted"))
    journey_settings.cache_clear()
    journeys.prepare("card_issuance")  # StateMachineDoesNotExist: logged, not raised
    refused = [r for r in caplog.records if r.getMessage() == "journey not prepared"]
    assert [(r.journey, r.reason) for r in refused] == [("card_issuance", "StateMachineDoesNotExist")]  # type: ignore[attr-defined]
    assert started(sfn, arn) == 0


class Application(BaseModel):
    application_id: str


def test_a_function_answers_a_warm_up_without_reading_a_request(lambda_context: Any) -> None:
    steps: list[Application] = []
    handler = step_lambda(Application, lambda a: steps.append(a) or a)
    assert handler({WARM_UP_KEY: True, CORRELATION_KEY: "corr-1"}, lambda_context) == {WARM_UP_KEY: "done"}
    assert steps == []


def test_a_warm_up_pays_the_functions_first_call_costs_and_a_request_does_not(lambda_context: Any) -> None:
    warmed: list[str] = []
    handler = step_lambda(Application, lambda a: a, warm=lambda: warmed.append("clients, secrets, token"))
    handler({"application_id": "app_1"}, lambda_context)
    assert warmed == []
    handler({WARM_UP_KEY: True, CORRELATION_KEY: None}, lambda_context)
    assert warmed == ["clients, secrets, token"]


@pytest.mark.parametrize(
    "event",
    [
        {WARM_UP_KEY: True, "application_id": "app_1"},  # a request with a warm-up key is still a request
        {WARM_UP_KEY: "true"},  # only the boolean
        {WARM_UP_KEY: False},
    ],
    ids=["a request beside it", "a string", "false"],
)
def test_anything_more_than_a_warm_up_is_read_as_a_request(event: dict[str, Any], lambda_context: Any) -> None:
    assert not is_warm_up(event)
    steps: list[Application] = []
    handler = step_lambda(Application, lambda a: steps.append(a) or a)
    if "application_id" in event:
        handler(event, lambda_context)
        assert steps == [Application(application_id="app_1")]
    else:
        with pytest.raises(ValidationError):
            handler(event, lambda_context)


def functions_invoked(machine: str) -> set[str]:
    """The functions a state machine of the template invokes, by their logical ids."""
    substitutions = the_template()["Resources"][machine]["Properties"]["DefinitionSubstitutions"]
    return {value["Fn::GetAtt"][0] for value in substitutions.values() if "Fn::GetAtt" in value}


def test_the_warm_up_wakes_every_function_of_the_card_issuance_and_the_confirmations_own_call() -> None:
    woken = functions_invoked("CardIssuanceWarmUpStateMachine")
    assert functions_invoked("CardIssuanceStateMachine") | {"SaveApplicationFunction"} == woken
    definition = yaml.safe_load((ROOT / "statemachines/card_issuance_warm_up.asl.yaml").read_text())
    branches = definition["States"]["WakeUp"]["Branches"]
    payloads = [branch["States"][branch["StartAt"]]["Parameters"]["Payload"] for branch in branches]
    assert len(branches) == len(woken)
    assert all(payload == {WARM_UP_KEY: True, f"{CORRELATION_KEY}.$": f"$.{CORRELATION_KEY}"} for payload in payloads)


def test_the_onboarding_flow_prepares_the_card_issuance() -> None:
    from messenger_bank.conversation.flows import default_flows

    assert default_flows().flows["onboarding"].prepares == ("card_issuance",)
