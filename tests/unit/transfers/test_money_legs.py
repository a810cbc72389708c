"""The money legs as the bank sees them: what the refund asks for, which debit the state keeps, and the one
metric each outcome counts (alarms watch TransfersCompleted and TransfersRefunded)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from messenger_bank.errors import DomainError
from tests.unit.transfers.conftest import REFUSED_PAN, World
from tests.unit.transfers.test_journey_steps import credit, debit, prepared, refund

Metrics = Callable[[], dict[str, tuple[str, float]]]


def test_a_refund_asks_for_the_whole_total_of_its_debit_under_the_transfers_refund_key(world: World) -> None:
    state = debit(world, prepared(world, REFUSED_PAN))
    with pytest.raises(DomainError):
        credit(world, state)

    refund(world, state)

    body, _ = world.core.replays.kept[("refund", "transfer:transfer-abc-1:refund")]
    assert json.loads(body) == {"debit_id": state.debit_id, "amount": 5_100, "reference": "transfer-abc-1"}


def test_a_completed_credit_counts_one_completed_transfer(world: World, emitted_metrics: Metrics) -> None:
    state = debit(world, prepared(world))

    credit(world, state)

    assert emitted_metrics() == {"TransfersCompleted": ("Count", 1.0)}


def test_a_refunded_transfer_counts_one_refund(world: World, emitted_metrics: Metrics) -> None:
    state = debit(world, prepared(world, REFUSED_PAN))
    with pytest.raises(DomainError):
        credit(world, state)

    refunded = refund(world, state)

    assert (refunded.outcome, refunded.debit_id) == ("refunded", state.debit_id)
    assert emitted_metrics() == {"TransfersRefunded": ("Count", 1.0)}


def test_a_voided_debit_keeps_the_debit_the_bank_made_and_counts_one_refund(
    world: World, emitted_metrics: Metrics
) -> None:
    state = prepared(world)
    world.core.lose_next_answer.add("transfer:transfer-abc-1:debit")
    with pytest.raises(TimeoutError):
        debit(world, state)

    voided = refund(world, state)

    assert (voided.outcome, voided.debit_id) == ("voided", next(iter(world.core.debits)))
    assert emitted_metrics() == {"TransfersRefunded": ("Count", 1.0)}


def test_a_debit_the_bank_never_made_counts_no_refund(world: World, emitted_metrics: Metrics) -> None:
    world.core.balance_minor = 10_000
    state = prepared(world)
    world.core.balance_minor = 1_000

    not_debited = refund(world, state)

    assert (not_debited.outcome, not_debited.debit_id) == ("not_debited", None)
    assert emitted_metrics() == {}


def test_a_credit_that_went_through_before_its_answer_was_lost_counts_no_refund(
    world: World, emitted_metrics: Metrics
) -> None:
    state = debit(world, prepared(world))
    world.core.lose_next_answer.add("transfer:transfer-abc-1:credit")
    with pytest.raises(TimeoutError):
        credit(world, state)

    settled = refund(world, state)

    assert (settled.outcome, settled.debit_id) == ("completed", state.debit_id)
    assert emitted_metrics() == {}
