"""The journeys' definitions as a reader of the logs needs them: every Lambda a journey invokes gets the
correlation id of the customer's turn, so its log lines join the turn's (see messenger_bank.handlers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from messenger_bank.handlers import CORRELATION_KEY

ROOT = Path(__file__).resolve().parents[2]
MACHINES = sorted((ROOT / "statemachines").glob("*.asl.yaml"))
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"


def states_of(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, those inside a Parallel's branches or a Map's iterator too."""
    for name, state in definition.get("States", {}).items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from states_of(branch)
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from states_of(state[key])


def lambda_payload(state: dict[str, Any]) -> dict[str, Any] | str | None:
    """What a Lambda task sends its function: an explicit map, a path ("$" is the whole state), or None
    for a state that is not a Lambda task."""
    if state.get("Type") != "Task":
        return None
    resource = str(state.get("Resource", ""))
    parameters = state.get("Parameters")
    if resource.startswith(LAMBDA_INVOKE):
        assert isinstance(parameters, dict), "a lambda:invoke task names its function in Parameters"
        if "Payload.$" in parameters:
            return str(parameters["Payload.$"])
        payload = parameters.get("Payload")
        return payload if isinstance(payload, dict) else "$"
    if resource.startswith("${") and resource.endswith("FunctionArn}"):
        # A function ARN as the resource: Parameters, when given, are the whole payload.
        return parameters if isinstance(parameters, dict) else "$"
    return None


def test_the_machines_are_read() -> None:
    tasks = [lambda_payload(state) for path in MACHINES for _, state in states_of(yaml.safe_load(path.read_text()))]
    assert len(MACHINES) >= 5
    assert sum(isinstance(p, dict) for p in tasks) >= 10, "no explicit payload found: the reader is wrong"


@pytest.mark.parametrize("path", MACHINES, ids=lambda path: path.name.split(".")[0])
def test_every_lambda_a_journey_invokes_gets_the_correlation_id(path: Path) -> None:
    missing = []
    for name, state in states_of(yaml.safe_load(path.read_text())):
        payload = lambda_payload(state)
        if payload is None or payload == "$":
            continue  # not a Lambda task, or the whole state, which carries the id
        if not isinstance(payload, dict) or payload.get(f"{CORRELATION_KEY}.$") != f"$.{CORRELATION_KEY}":
            missing.append(name)
    assert missing == [], f"{path.name}: these Lambda tasks leave out {CORRELATION_KEY}"


def test_a_payload_without_the_id_is_found() -> None:
    """The check above cannot pass by reading nothing: a task like the ones that lacked it is caught."""
    state = {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": "f", "Payload": {"chat_key.$": "$.chat_key"}},
    }
    assert lambda_payload(state) == {"chat_key.$": "$.chat_key"}
    notify = {"Type": "Task", "Resource": "${NotifyCustomerFunctionArn}", "Parameters": {"message": "m"}}
    assert lambda_payload(notify) == {"message": "m"}
