"""statemachines/plastic_card_order.asl.yaml as a reader checks it: every status told, every wait that is
woken too early waits again, every way out tells the customer in their language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from messenger_bank.conversation.catalogue import text
from messenger_bank.types import LANGUAGES

ASL = Path(__file__).parents[3] / "statemachines" / "plastic_card_order.asl.yaml"


@pytest.fixture(scope="module")
def machine() -> dict[str, Any]:
    return yaml.safe_load(ASL.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_happy_path_tells_each_status_in_order(machine: dict[str, Any]) -> None:
    states, told, name = machine["States"], [], machine["StartAt"]
    while states[name]["Type"] != "Succeed":
        state = states[name]
        if state["Type"] == "Task" and "message" in state.get("Parameters", {}):
            told.append(state["Parameters"]["message"])
        name = state["Choices"][0]["Next"] if state["Type"] == "Choice" else state["Next"]

    assert told == ["plastic.ordered", "plastic.produced", "plastic.sent", "plastic.delivered"]


@pytest.mark.parametrize(
    ("wait", "check"), [("AwaitProduced", "IsProduced"), ("AwaitSent", "IsSent"), ("AwaitDelivered", "IsDelivered")]
)
def test_a_wait_woken_by_an_earlier_status_waits_again(machine: dict[str, Any], wait: str, check: str) -> None:
    states = machine["States"]

    assert states[wait]["Next"] == check
    assert states[check]["Default"] == wait
    assert states[wait]["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
    timeout = next(c for c in states[wait]["Catch"] if c["ErrorEquals"] == ["States.Timeout"])
    assert timeout["Next"] == wait  # re-parked before the parked token's record expires


def test_the_machine_has_a_budget_above_the_tracking_budget(machine: dict[str, Any]) -> None:
    from messenger_bank.plastic.service import TRACKING_SECONDS

    assert machine["TimeoutSeconds"] > TRACKING_SECONDS + machine["States"]["AwaitProduced"]["TimeoutSeconds"]


def test_every_message_the_journey_sends_exists_in_every_language(machine: dict[str, Any]) -> None:
    messages = [s["Parameters"] for s in machine["States"].values() if "message" in s.get("Parameters", {})]

    for parameters in messages:
        values = {name.removesuffix(".$"): "400011******0001" for name in parameters.get("values", {})}
        for language in LANGUAGES:
            assert "{" not in text(parameters["message"], language, **values), (parameters["message"], language)


def test_every_failure_is_caught_and_told(machine: dict[str, Any]) -> None:
    for name, state in machine["States"].items():
        # A message that could not be delivered goes on where it was going (the journey's own rule).
        # RecordRefusal counts a refusal already told (its failure goes on to the end, journeys/outcomes.py).
        if state["Type"] == "Task" and "Catch" in state and not name.startswith(("Tell", "RecordRefusal")):
            assert any(c["ErrorEquals"] == ["States.ALL"] for c in state["Catch"]), name
            for catch in state["Catch"]:
                target = machine["States"][catch["Next"]]
                assert catch["Next"].startswith(("Tell", "Await")), (name, catch)
                assert target["Type"] == "Task", (name, catch)
