"""A wait the journey does not hold: "gone for good" only once its execution has ended; while the journey
still runs (its wait parked late, or it is on the way to its end) the turn fails and the queue retries it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from messenger_bank.conversation import service
from messenger_bank.conversation.engine import WAIT_GONE, OperationFailed
from messenger_bank.journeys import service as journeys
from tests.support.journeys import machine_on_moto

DEFINITION = json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 600, "End": True}}})


@pytest.fixture
def transfer_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with machine_on_moto(monkeypatch, "TRANSFER_STATE_MACHINE_ARN", "transfer-test", DEFINITION) as (sfn, _):
        yield sfn


def test_a_running_journeys_wait_may_still_come(transfer_machine: Any) -> None:
    journeys.start("transfer", "transfer-abcdefghijklmnop-1", {})
    assert journeys.running("transfer-abcdefghijklmnop-1:confirm") is True


def test_an_ended_journeys_wait_is_gone(transfer_machine: Any) -> None:
    arn = journeys.start("transfer", "transfer-abcdefghijklmnop-1", {})
    transfer_machine.stop_execution(executionArn=arn)
    assert journeys.running("transfer-abcdefghijklmnop-1:confirm") is False


def test_a_journey_that_never_started_has_no_wait(transfer_machine: Any) -> None:
    assert journeys.running("transfer-abcdefghijklmnop-9:confirm") is False


@pytest.fixture
def no_wait(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    tried: list[str] = []

    def complete(reference: str, outcome: dict[str, Any]) -> None:
        tried.append(reference)
        raise journeys.WaitNotFound(reference)

    monkeypatch.setattr(journeys, "complete", complete)
    monkeypatch.setattr(service.time, "sleep", lambda seconds: None)
    return tried


def test_a_wait_of_an_ended_journey_is_refused_as_gone(no_wait: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journeys, "running", lambda reference: False)
    with pytest.raises(OperationFailed) as refused:
        service.LambdaTurnDependencies().complete_wait("transfer-abc-1:confirm", {"decision": "confirm"})
    assert refused.value.code == WAIT_GONE
    assert len(no_wait) == service.WAIT_PARK_ATTEMPTS  # it was given its moment to be parked first


def test_a_wait_not_parked_yet_fails_the_turn_for_a_retry(no_wait: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journeys, "running", lambda reference: True)
    with pytest.raises(journeys.WaitNotFound):
        service.LambdaTurnDependencies().complete_wait("transfer-abc-1:confirm", {"decision": "confirm"})
