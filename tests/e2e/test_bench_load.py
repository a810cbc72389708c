"""`python -m bench load`, smoked: a few seconds of open-loop webhooks from two prepared customers on the
e2e cloud pass every check (each message exactly its replies, each transfer moved once, nothing left queued).
The bench's checks themselves are unit tested with their negative cases (tests/unit/test_bench_load.py)."""

from __future__ import annotations

import pytest

from bench.load import prepare, run_step
from local.cloud.cloud import LocalCloud

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def test_a_short_load_is_answered_exactly_once_with_nothing_left_behind(cloud: LocalCloud) -> None:
    parties, customers, applicants = prepare(cloud, customers=2, applicants=1)

    # Drained within the case's timeout, so that a reply still missing is named by the checks below.
    step = run_step(cloud, 2.0, 6.0, parties, customers, applicants, drain_s=150.0)

    assert step.figures.sent == len(step.plan.messages) >= 12
    assert step.verdict.exactly_once, (
        step.verdict.missing,
        step.verdict.unexpected,
        step.verdict.refused,
        step.left_queued,
        step.left_running,
    )
    assert step.money_problems == []
    assert (step.left_queued, step.left_dead, step.left_running) == (0, 0, {})
