"""`python -m bench load`, smoked: a few seconds of open-loop webhooks from two prepared customers on the
e2e cloud pass every check (each message exactly its replies, each transfer moved once, nothing left queued).
The bench's checks themselves are unit tested with their negative cases (tests/unit/test_bench_load.py)."""

from __future__ import annotations

import time

import pytest

from bench.load import Party, StepResult, inbound_backlog, prepare, run_step, running_journeys
from local.cloud.cloud import LocalCloud

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def test_a_short_load_is_answered_exactly_once_with_nothing_left_behind(cloud: LocalCloud) -> None:
    parties, customers, applicants = prepare(cloud, customers=2, applicants=1)
    _warm_up(cloud, parties, customers)

    # Drained within the case's timeout, so that a reply still missing is named by the checks below.
    step = run_step(cloud, 2.0, 6.0, parties, customers, applicants, drain_s=150.0)

    assert step.figures.sent == len(step.plan.messages) >= 12
    assert step.verdict.exactly_once, _told(step)
    assert step.money_problems == []
    assert (step.left_queued, step.left_dead, step.left_running) == (0, 0, {})


def _warm_up(cloud: LocalCloud, parties: dict[str, Party], customers: list[str]) -> None:
    """Each turn of the load once per customer, one at a time and not checked, until nothing is queued or running.
    The functions those turns reach start here: on a loaded CI machine their cold starts, one after another inside a
    turn, outlasted the conversation's 10 s timeout, and the retried turn answered twice. The bench's checks are
    about turns taken at a rate; a cold start's own cost is `bench cold_start`'s and `bench card_issuance --cold`'s."""
    first, second = (parties[name] for name in customers[:2])
    for party, recipient in ((first, second), (second, first)):
        for said in ("меню", "баланс", "перевод", recipient.pan, "5", "да"):
            party.chat.say(said, replies=1, timeout_s=60)
    deadline = time.monotonic() + 120
    while (inbound_backlog(cloud)[0] or running_journeys(cloud)) and time.monotonic() < deadline:
        time.sleep(0.5)


def _told(step: StepResult) -> str:
    """Each message with what it got, in full (pytest shortens a long tuple in the middle, where the cause is)."""
    lines = [f"{i}: {m.chat} {m.turn} at +{m.at:.1f} s" for i, m in enumerate(step.plan.messages)]
    lines += [f"missing: message {index} wanted {kind}" for index, kind in step.verdict.missing]
    lines += [f"unexpected in {chat}: {reply.kind} at {reply.time:.2f} {reply.words[:80]!r}" for chat, reply in
              step.verdict.unexpected]  # fmt: skip
    lines += [f"refused: {step.verdict.refused}; queued {step.left_queued}, dead {step.left_dead}, "
              f"running {step.left_running}"]  # fmt: skip
    return "\n".join(lines)
