"""The circuit breaker of a bank system: its transitions (pure), the board that shares them through DynamoDB,
and the calls it lets through or refuses without calling the system."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from messenger_bank.banking import breaker as breakers
from messenger_bank.banking.breaker import Breaker, BreakerBoard, BreakerPolicy, admit, failed, succeeded
from messenger_bank.banking.clients.http import RetryPolicy, Transient, with_retries
from messenger_bank.errors import BankAuthenticationFailed, BankSystemUnavailable
from tests.support.aws import create_table

POLICY = BreakerPolicy(failures_to_open=3, window=60.0, cool_down=30.0)
T0 = 1_000_000.0


def after_failures(n: int, *, every: float = 1.0) -> Breaker:
    breaker = Breaker(system="core")
    for i in range(n):
        breaker = failed(breaker, T0 + i * every, POLICY)
    return breaker


# --- transitions -----------------------------------------------------------------------------------------
def test_the_nth_failure_in_the_window_opens_the_breaker() -> None:
    opened = after_failures(3)
    assert (opened.status, opened.since) == ("open", T0 + 2)


def test_one_failure_fewer_leaves_it_closed() -> None:
    assert after_failures(2).status == "closed"
    assert admit(after_failures(2), T0 + 2, POLICY) == "call"


def test_failures_spread_wider_than_the_window_do_not_open_it() -> None:
    # the third failure comes 60 s after the first: a new window begins with it
    spread = after_failures(3, every=30.0)
    assert (spread.status, spread.failures) == ("closed", 1)


def test_an_open_breaker_refuses_until_the_cool_down_ends() -> None:
    opened = after_failures(3)
    assert admit(opened, opened.since + POLICY.cool_down - 0.001, POLICY) == "refuse"


def test_at_the_end_of_the_cool_down_one_call_probes() -> None:
    opened = after_failures(3)
    assert admit(opened, opened.since + POLICY.cool_down, POLICY) == "probe"


def test_a_probe_that_succeeds_closes_the_breaker() -> None:
    probing = breakers.probing(after_failures(3), T0 + 40)
    closed = succeeded(probing)
    assert (closed.status, closed.failures) == ("closed", 0)
    assert admit(closed, T0 + 40, POLICY) == "call"


def test_a_probe_that_fails_opens_it_again_for_another_cool_down() -> None:
    probing = breakers.probing(after_failures(3), T0 + 40)
    reopened = failed(probing, T0 + 41, POLICY)
    assert (reopened.status, reopened.since) == ("open", T0 + 41)
    assert admit(reopened, T0 + 41 + POLICY.cool_down - 0.001, POLICY) == "refuse"


def test_while_one_probe_runs_other_calls_are_refused() -> None:
    probing = breakers.probing(after_failures(3), T0 + 40)
    assert admit(probing, T0 + 41, POLICY) == "refuse"


def test_a_probe_that_never_reported_is_taken_over_after_a_cool_down() -> None:
    probing = breakers.probing(after_failures(3), T0 + 40)
    assert admit(probing, T0 + 40 + POLICY.cool_down, POLICY) == "probe"


def test_a_success_while_closed_forgets_the_failures_so_far() -> None:
    breaker = succeeded(after_failures(2))
    assert failed(breaker, T0 + 3, POLICY).status == "closed"


# --- the board in DynamoDB, and the calls it guards ------------------------------------------------------
@pytest.fixture
def board(monkeypatch: pytest.MonkeyPatch) -> Iterator[BreakerBoard]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        table = boto3.resource("dynamodb").Table(create_table(boto3.client("dynamodb"), "BankBreakersTable"))
        shared = BreakerBoard(table, POLICY)
        monkeypatch.setattr(breakers, "breaker_board", lambda: shared)
        yield shared


def test_failures_from_two_containers_add_up_in_the_shared_item(board: BreakerBoard) -> None:
    other = BreakerBoard(board.table, POLICY)  # another container: its own board, the same table
    board.record_failure("core", T0)
    other.record_failure("core", T0 + 1)
    assert board.record_failure("core", T0 + 2).status == "open"
    assert other.read("core").status == "open"


def test_a_stale_write_is_refused_and_applied_again_on_the_fresh_state(board: BreakerBoard) -> None:
    stale = board.read("core")
    board.record_failure("core", T0)
    assert board._write(stale, failed(stale, T0, POLICY)) is False
    assert board.read("core").failures == 1


def test_only_one_container_wins_the_probe(board: BreakerBoard) -> None:
    for i in range(3):
        board.record_failure("core", T0 + i)
    other = BreakerBoard(board.table, POLICY)
    at = T0 + 2 + POLICY.cool_down
    assert [board.admit("core", at), other.admit("core", at)] == ["probe", "refuse"]


NO_WAIT = RetryPolicy(max_retries=0)


class System:
    def __init__(self) -> None:
        self.calls = 0
        self.up = True

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        if not self.up:
            raise Transient("HTTP 503")
        return {"ok": True}


def test_an_open_breaker_fails_fast_without_calling_the_system(board: BreakerBoard) -> None:
    system = System()
    system.up = False
    for _ in range(3):
        with pytest.raises(BankSystemUnavailable):
            with_retries("core", "balance", system, retryable=True, policy=NO_WAIT)
    assert system.calls == 3
    with pytest.raises(BankSystemUnavailable) as refused:
        with_retries("core", "balance", system, retryable=True, policy=NO_WAIT)
    assert system.calls == 3  # not called
    assert refused.value.details["system"] == "core"


def test_a_system_without_a_breaker_is_called_whatever_the_others_state(board: BreakerBoard) -> None:
    for i in range(3):
        board.record_failure("core", T0 + i)
    acquirer = System()
    assert with_retries("acquirer", "payment", acquirer, retryable=True, policy=NO_WAIT) == {"ok": True}
    assert acquirer.calls == 1


def test_a_successful_call_clears_the_failures(board: BreakerBoard) -> None:
    board.record_failure("billing", T0)
    with_retries("billing", "ListPayees", System(), retryable=True, policy=NO_WAIT)
    assert board.read("billing").clean


def test_refused_credentials_are_not_the_systems_failure(board: BreakerBoard) -> None:
    def refused() -> dict[str, Any]:
        raise BankAuthenticationFailed("core refused our credentials (401)", system="core")

    for _ in range(3):
        with pytest.raises(BankAuthenticationFailed):
            with_retries("core", "balance", refused, retryable=True, policy=NO_WAIT)
    assert board.read("core").clean


def test_the_breakers_table_failing_leaves_the_call_to_the_system(
    board: BreakerBoard, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(system: str) -> Breaker:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "GetItem")

    monkeypatch.setattr(board, "read", unreadable)
    system = System()
    assert with_retries("core", "balance", system, retryable=True, policy=NO_WAIT) == {"ok": True}
    system.up = False
    with pytest.raises(BankSystemUnavailable) as failed_call:
        with_retries("core", "balance", system, retryable=True, policy=NO_WAIT)
    assert "circuit open" not in str(failed_call.value)  # the system's own failure, not a refusal
    assert system.calls == 2


def test_a_call_on_a_clean_breaker_writes_nothing(board: BreakerBoard) -> None:
    with_retries("core", "balance", System(), retryable=True, policy=NO_WAIT)
    assert "Item" not in board.table.get_item(Key={"system": "core"})


class CountedReads:
    """The breakers' table, counting the reads of the item."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.reads = 0

    def get_item(self, **kwargs: Any) -> Any:
        self.reads += 1
        return self.table.get_item(**kwargs)

    def put_item(self, **kwargs: Any) -> Any:
        return self.table.put_item(**kwargs)


def test_a_clean_reading_is_trusted_for_a_second_without_reading_again(board: BreakerBoard) -> None:
    counted = CountedReads(board.table)
    here = BreakerBoard(counted, POLICY)
    assert [here.admit("core", T0 + at) for at in (0.0, 0.4, 0.9)] == ["call"] * 3
    assert counted.reads == 1
    assert here.admit("core", T0 + POLICY.trust_clean) == "call"
    assert counted.reads == 2


def test_a_breaker_another_container_opened_is_seen_once_the_trust_runs_out(board: BreakerBoard) -> None:
    here = BreakerBoard(board.table, POLICY)
    assert here.admit("core", T0) == "call"
    for i in range(3):
        board.record_failure("core", T0 + 0.1 * i)
    assert here.admit("core", T0 + 0.5) == "call"  # within the second it trusts
    assert here.admit("core", T0 + POLICY.trust_clean) == "refuse"


def test_a_failure_in_this_container_drops_its_trust_at_once(board: BreakerBoard) -> None:
    here = BreakerBoard(board.table, POLICY)
    assert here.admit("core", T0) == "call"
    here.record_failure("core", T0 + 0.1)
    for i in range(2):
        board.record_failure("core", T0 + 0.2 + 0.1 * i)
    assert here.admit("core", T0 + 0.5) == "refuse"


def test_a_reading_with_failures_is_not_trusted(board: BreakerBoard) -> None:
    counted = CountedReads(board.table)
    here = BreakerBoard(counted, POLICY)
    board.record_failure("core", T0)
    here.admit("core", T0 + 0.1)
    here.admit("core", T0 + 0.2)
    assert counted.reads == 2
