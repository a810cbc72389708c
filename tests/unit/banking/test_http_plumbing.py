"""The plumbing every client shares: how often a call is tried, how long it waits, what it measures, which pooled
client it uses, and which failure becomes which error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from aws_lambda_powertools.metrics import MetricUnit

from messenger_bank.banking.clients import http
from messenger_bank.banking.clients.http import (
    RetryPolicy,
    Transient,
    json_body,
    raise_for_status,
    send,
    shared_client,
    with_retries,
)
from messenger_bank.banking.settings import BankSettings
from messenger_bank.errors import (
    BankAuthenticationFailed,
    BankProtocolError,
    BankSystemUnavailable,
    CardNotFound,
    DomainError,
    InsufficientFunds,
    OperationRejected,
)

CODES: dict[str, type[DomainError]] = {"insufficient_funds": InsufficientFunds, "card_not_found": CardNotFound}


class Clock:
    """perf_counter and sleep of the plumbing: each read moves a quarter of a second on; sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def perf_counter(self) -> float:
        self.now += 0.25
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(http.time, "perf_counter", clock.perf_counter)
    monkeypatch.setattr(http.time, "sleep", clock.sleep)
    return clock


@pytest.fixture
def measured(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float, str, dict[str, str]]]:
    """Every metric the plumbing counts: (name, value, unit, dimensions)."""
    seen: list[tuple[str, float, str, dict[str, str]]] = []

    def count(name: str, *, value: float = 1, unit: MetricUnit = MetricUnit.Count, **dimensions: str) -> None:
        seen.append((name, value, str(unit.value), dimensions))

    monkeypatch.setattr(http, "count", count)
    return seen


def failing(times: int, answer: str = "ok") -> tuple[Callable[[], str], list[int]]:
    """A call that fails transiently `times` times, then answers; `calls` counts the attempts."""
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise Transient("HTTP 503")
        return answer

    return call, calls


POLICY = RetryPolicy(max_retries=2, backoff_base=0.5, backoff_max=10.0)


# --- how often -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("failures", "attempts"), [(0, 1), (1, 2), (2, 3)])
def test_a_retryable_call_is_tried_until_it_answers_within_the_retries(
    clock: Clock, failures: int, attempts: int
) -> None:
    call, calls = failing(failures)

    assert with_retries("core", "balance", call, retryable=True, policy=POLICY) == "ok"
    assert len(calls) == attempts


def test_a_retryable_call_failing_once_more_than_the_retries_is_unavailable(clock: Clock) -> None:
    call, calls = failing(3)

    with pytest.raises(BankSystemUnavailable) as caught:
        with_retries("core", "balance", call, retryable=True, policy=POLICY)
    assert len(calls) == 3
    assert caught.value.details == {"system": "core"}
    assert isinstance(caught.value.__cause__, Transient)


def test_no_retries_allowed_means_one_attempt(clock: Clock) -> None:
    call, calls = failing(1)

    with pytest.raises(BankSystemUnavailable):
        with_retries("core", "balance", call, retryable=True, policy=RetryPolicy(0, 0.5, 10.0))
    assert len(calls) == 1 and clock.slept == []


def test_a_call_that_may_not_be_repeated_is_tried_once(clock: Clock) -> None:
    call, calls = failing(1)

    with pytest.raises(BankSystemUnavailable):
        with_retries("core", "debit", call, retryable=False, policy=POLICY)
    assert len(calls) == 1 and clock.slept == []


def test_a_failure_other_than_transient_is_not_retried(clock: Clock) -> None:
    calls: list[int] = []

    def refused() -> str:
        calls.append(1)
        raise InsufficientFunds("no")

    with pytest.raises(InsufficientFunds):
        with_retries("core", "debit", refused, retryable=True, policy=POLICY)
    assert len(calls) == 1


# --- how long it waits ----------------------------------------------------------------------------------------
@pytest.fixture
def jitter(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """The ranges the jitter is drawn from; each draw answers the top of its range."""
    ranges: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        ranges.append((low, high))
        return high

    monkeypatch.setattr(http.random, "uniform", uniform)
    return ranges


def test_each_retry_waits_the_policys_delay_for_its_attempt(clock: Clock, jitter: list[tuple[float, float]]) -> None:
    call, _ = failing(2)

    with_retries("core", "balance", call, retryable=True, policy=POLICY)

    assert clock.slept == [0.5, 1.0]
    assert jitter == [(0, 0.5), (0, 1.0)]


@pytest.mark.parametrize(("attempt", "ceiling"), [(0, 0.5), (1, 1.0), (2, 2.0), (3, 3.0), (10, 3.0)])
def test_the_delay_is_full_jitter_under_an_exponential_ceiling_capped_at_the_maximum(
    jitter: list[tuple[float, float]], attempt: int, ceiling: float
) -> None:
    assert RetryPolicy(2, 0.5, 3.0).delay(attempt) == ceiling
    assert jitter == [(0, ceiling)]


def test_the_policy_comes_from_the_settings() -> None:
    settings = BankSettings(max_retries=4, backoff_base=0.3, backoff_max=2.5)

    assert RetryPolicy.from_settings(settings) == RetryPolicy(max_retries=4, backoff_base=0.3, backoff_max=2.5)


# --- what it measures -----------------------------------------------------------------------------------------
def test_each_attempt_counts_its_latency_and_each_failed_one_an_error(
    clock: Clock, measured: list[tuple[str, float, str, dict[str, str]]]
) -> None:
    call, _ = failing(1)

    with_retries("cerberus", "screen", call, retryable=True, policy=POLICY)

    assert measured == [
        ("BankCallLatency", 250.0, "Milliseconds", {"system": "cerberus"}),
        ("BankCallErrors", 1, "Count", {"system": "cerberus"}),
        ("BankCallLatency", 250.0, "Milliseconds", {"system": "cerberus"}),
    ]


# --- which pooled client --------------------------------------------------------------------------------------
@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[tuple[float, float], httpx.Client]]:
    clients: dict[tuple[float, float], httpx.Client] = {}
    monkeypatch.setattr(http, "_clients", clients)
    yield clients
    for client in clients.values():
        client.close()


def test_one_pooled_client_per_timeout_kept_across_calls(pool: dict[tuple[float, float], httpx.Client]) -> None:
    timeout = httpx.Timeout(5.0, connect=2.0)

    first = shared_client(timeout)

    assert shared_client(httpx.Timeout(5.0, connect=2.0)) is first
    assert first.timeout == timeout and first.follow_redirects is False


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (httpx.Timeout(5.0, connect=2.0), httpx.Timeout(5.0, connect=3.0)),
        (httpx.Timeout(5.0, connect=2.0), httpx.Timeout(6.0, connect=2.0)),
        (httpx.Timeout(5.0, connect=None), httpx.Timeout(5.0, connect=1.0)),
        (httpx.Timeout(None, connect=2.0), httpx.Timeout(1.0, connect=2.0)),
    ],
    ids=["connect", "read", "no-connect-timeout", "no-read-timeout"],
)
def test_another_timeout_gets_a_client_of_its_own(
    pool: dict[tuple[float, float], httpx.Client], one: httpx.Timeout, other: httpx.Timeout
) -> None:
    first, second = shared_client(one), shared_client(other)

    assert first is not second
    assert (first.timeout, second.timeout) == (one, other)


def test_a_closed_client_is_replaced(pool: dict[tuple[float, float], httpx.Client]) -> None:
    first = shared_client(httpx.Timeout(5.0))
    first.close()

    second = shared_client(httpx.Timeout(5.0))

    assert second is not first and not second.is_closed
    assert shared_client(httpx.Timeout(5.0)) is second


# --- one attempt on the wire ----------------------------------------------------------------------------------
def raising(error: type[httpx.TransportError]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("boom", request=request)

    return httpx.Client(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    "error", [httpx.ConnectTimeout, httpx.ReadTimeout, httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError]
)
def test_a_network_failure_is_transient(error: type[httpx.TransportError]) -> None:
    with pytest.raises(Transient):
        send(raising(error), "GET", "http://core.test/x")


def test_send_hands_the_method_url_and_arguments_to_the_client() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"ok": True})

    answer = send(httpx.Client(transport=httpx.MockTransport(handler)), "PUT", "http://core.test/x", json={"a": 1})

    assert answer.status_code == 201
    [request] = seen
    assert (request.method, str(request.url), request.content) == ("PUT", "http://core.test/x", b'{"a":1}')


# --- reading an answer ----------------------------------------------------------------------------------------
def test_a_json_object_is_read() -> None:
    assert json_body("core", httpx.Response(200, json={"a": [1]})) == {"a": [1]}


@pytest.mark.parametrize("content", [b"[1, 2]", b'"text"', b"{not json", b""], ids=["list", "string", "bad", "empty"])
def test_an_answer_that_is_not_a_json_object_is_a_protocol_error(content: bytes) -> None:
    with pytest.raises(BankProtocolError):
        json_body("core", httpx.Response(200, content=content))


def refusal(status: int, body: Any = None, content: bytes | None = None) -> httpx.Response:
    if content is not None:
        return httpx.Response(status, content=content)
    return httpx.Response(status, json=body)


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_a_success_raises_nothing(status: int) -> None:
    raise_for_status("core", httpx.Response(status), CODES, OperationRejected)  # nothing raised


@pytest.mark.parametrize("status", [401, 403])
def test_a_refusal_of_our_credentials_is_an_authentication_failure(status: int) -> None:
    with pytest.raises(BankAuthenticationFailed) as caught:
        raise_for_status("core", refusal(status, {"error": {"code": "card_not_found"}}), CODES, OperationRejected)
    assert caught.value.details == {"system": "core"}


@pytest.mark.parametrize("status", [429, 500, 501, 502, 503, 504, 507, 599])
def test_too_many_requests_and_every_5xx_are_transient(status: int) -> None:
    with pytest.raises(Transient):
        raise_for_status("core", refusal(status, {"error": {"code": "card_not_found"}}), CODES, OperationRejected)


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (422, {"error": {"code": "insufficient_funds", "message": "no"}}, InsufficientFunds, "insufficient_funds"),
        (404, {"error": {"code": "card_not_found"}}, CardNotFound, "card_not_found"),
        (428, {"error": {"code": "card_not_found"}}, CardNotFound, "card_not_found"),
        (430, {"error": {"code": "insufficient_funds"}}, InsufficientFunds, "insufficient_funds"),
        (499, {"error": {"code": "insufficient_funds"}}, InsufficientFunds, "insufficient_funds"),
        (400, {"error": {"code": "invalid_request"}}, OperationRejected, "invalid_request"),
        (400, {"error": {"message": "no code"}}, OperationRejected, ""),
        (400, {"error": {"code": 17}}, OperationRejected, "17"),
        (400, {}, OperationRejected, ""),
        (400, {"error": "flat"}, OperationRejected, ""),
        (400, [1, 2], OperationRejected, ""),
    ],
    ids=[
        "mapped-422",
        "mapped-404",
        "428-is-not-transient",
        "430-is-not-transient",
        "499-is-not-transient",
        "unmapped-code",
        "no-code",
        "numeric-code",
        "no-error",
        "error-not-an-object",
        "body-not-an-object",
    ],
)
def test_a_business_refusal_becomes_the_mapped_error_with_its_code_and_status(
    status: int, body: Any, error: type[DomainError], code: str
) -> None:
    with pytest.raises(DomainError) as caught:
        raise_for_status("core", refusal(status, body), CODES, OperationRejected)
    assert type(caught.value) is error
    assert caught.value.details == {"system": "core", "code": code, "status": status}


def test_a_refusal_that_is_not_json_becomes_the_default_error() -> None:
    with pytest.raises(DomainError) as caught:
        raise_for_status("core", refusal(418, content=b"<html>teapot</html>"), CODES, CardNotFound)
    assert type(caught.value) is CardNotFound
    assert caught.value.details == {"system": "core", "code": "", "status": 418}


@pytest.mark.parametrize("error", [BankAuthenticationFailed, BankProtocolError])
def test_refused_credentials_and_an_unreadable_answer_count_as_errors_of_the_system(
    clock: Clock, measured: list[tuple[str, float, str, dict[str, str]]], error: type[DomainError]
) -> None:
    def call() -> str:
        raise error("core: 401")

    with pytest.raises(error):
        with_retries("core", "balance", call, retryable=True, policy=POLICY)

    assert measured == [
        ("BankCallLatency", 250.0, "Milliseconds", {"system": "core"}),
        ("BankCallErrors", 1, "Count", {"system": "core"}),
    ]


def test_a_business_refusal_is_a_call_that_worked(
    clock: Clock, measured: list[tuple[str, float, str, dict[str, str]]]
) -> None:
    def call() -> str:
        raise InsufficientFunds("no")

    with pytest.raises(InsufficientFunds):
        with_retries("core", "debit", call, retryable=True, policy=POLICY)

    assert measured == [("BankCallLatency", 250.0, "Milliseconds", {"system": "core"})]


def test_every_partners_api_counts_as_the_partners_system(
    clock: Clock, measured: list[tuple[str, float, str, dict[str, str]]]
) -> None:
    call, _ = failing(1)

    with_retries("partner:gamearena", "offers", call, retryable=True, policy=POLICY)

    assert {dimensions["system"] for _, _, _, dimensions in measured} == {"partners"}
