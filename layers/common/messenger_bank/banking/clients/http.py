"""HTTP plumbing shared by every client: timeouts, bounded retries with backoff, error mapping.

Retry rule: a call is retried (at most ``max_retries`` times, exponential backoff with full jitter)
only when it is idempotent by nature (reads, block/unblock) or carries an idempotency key, and only
for transient failures: connection errors, timeouts, 429, 5xx (502/503/504, and 500 unless the
system says otherwise). A call that moves money without a key is never retried.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from messenger_bank.banking import breaker as breakers
from messenger_bank.banking.settings import BankSettings
from messenger_bank.errors import (
    BankAuthenticationFailed,
    BankProtocolError,
    BankSystemUnavailable,
    DomainError,
)
from messenger_bank.observability import count, logger


class Transient(Exception):
    """A failure worth another attempt, if the call may be repeated."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    backoff_base: float = 0.1
    backoff_max: float = 1.0

    @classmethod
    def from_settings(cls, settings: BankSettings) -> RetryPolicy:
        return cls(settings.max_retries, settings.backoff_base, settings.backoff_max)

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.backoff_max, self.backoff_base * 2**attempt))  # noqa: S311 - jitter


def metric_system(system: str) -> str:
    """The bank system (settings.SYSTEMS) a client's name belongs to, as the alarms name it: each partner's
    API (``partner:<id>``) counts as ``partners``; the log lines keep which partner."""
    return "partners" if system.startswith("partner:") else system


def bank_call_measured(system: str, milliseconds: float, *, failed: bool) -> None:
    """Latency and errors per bank system."""
    system = metric_system(system)
    count("BankCallLatency", value=milliseconds, unit=MetricUnit.Milliseconds, system=system)
    if failed:
        count("BankCallErrors", system=system)


def with_retries[T](system: str, operation: str, call: Callable[[], T], *, retryable: bool, policy: RetryPolicy) -> T:
    """Run ``call`` through the system's circuit breaker (``banking.breaker``): an open one fails at once
    with BankSystemUnavailable, the system not called; the call's own outcome is what the breaker counts."""
    board = breakers.breaker_board() if system in breakers.GUARDED_SYSTEMS else None
    if board is None:
        return _with_retries(system, operation, call, retryable=retryable, policy=policy)
    try:
        decision, seen = board.admission(system, time.time())
    except (BotoCoreError, ClientError) as unreadable:  # the breakers' table failing must not stop the bank's calls
        logger.warning("bank breaker unreadable: called as closed", extra={"system": system, "error": repr(unreadable)})
        return _with_retries(system, operation, call, retryable=retryable, policy=policy)
    if decision == "refuse":
        count("BankCallsRefused", system=system)
        logger.info("bank call refused: circuit open", extra={"system": system, "operation": operation})
        raise BankSystemUnavailable(f"{system} {operation}: circuit open", system=system)
    try:
        result = _with_retries(system, operation, call, retryable=retryable, policy=policy)
    except BankSystemUnavailable as failure:
        if not isinstance(failure, BankAuthenticationFailed):  # our credentials, not the system's health
            _recorded(lambda: board.record_failure(system, time.time()), system)
        raise
    if not seen.clean:  # the usual case, closed without failures, writes nothing
        _recorded(lambda: board.record_success(system), system)
    return result


def _recorded(record: Callable[[], object], system: str) -> None:
    """A call's outcome on its breaker; the table failing is logged, and the call's own outcome stands."""
    try:
        record()
    except (BotoCoreError, ClientError) as unwritable:
        logger.warning("bank breaker not updated", extra={"system": system, "error": repr(unwritable)})


def _with_retries[T](system: str, operation: str, call: Callable[[], T], *, retryable: bool, policy: RetryPolicy) -> T:
    """Run ``call``; retry it on Transient while allowed; a last Transient becomes BankSystemUnavailable."""
    attempt = 0
    while True:
        started = time.perf_counter()
        try:
            result = call()
        except Transient as failure:
            bank_call_measured(system, (time.perf_counter() - started) * 1000, failed=True)
            if not retryable or attempt >= policy.max_retries:
                logger.warning(
                    "bank call failed",
                    extra={
                        "system": system,
                        "operation": operation,
                        "reason": failure.reason,
                        "attempts": attempt + 1,
                        "retryable": retryable,
                    },
                )
                raise BankSystemUnavailable(f"{system} {operation}: {failure.reason}", system=system) from failure
            logger.info(
                "bank call retried",
                extra={
                    "system": system,
                    "operation": operation,
                    "reason": failure.reason,
                    "attempt": attempt + 1,
                },
            )
            time.sleep(policy.delay(attempt))
            attempt += 1
        except BankSystemUnavailable:
            # Our credentials refused, an answer we cannot read, or a system it needs (Keycloak's token) down: the
            # system's fault or ours, never the customer's.
            bank_call_measured(system, (time.perf_counter() - started) * 1000, failed=True)
            raise
        except DomainError:
            # The bank's answer (not enough money, no such card): the call itself worked.
            bank_call_measured(system, (time.perf_counter() - started) * 1000, failed=False)
            raise
        else:
            bank_call_measured(system, (time.perf_counter() - started) * 1000, failed=False)
            return result


_clients_lock = threading.Lock()
_clients: dict[tuple[float, float], httpx.Client] = {}


def shared_client(timeout: httpx.Timeout) -> httpx.Client:
    """One pooled httpx.Client per timeout, kept across warm invocations (callers pass absolute URLs)."""
    key = (timeout.connect or 0.0, timeout.read or 0.0)
    with _clients_lock:
        client = _clients.get(key)
        if client is None or client.is_closed:
            client = httpx.Client(timeout=timeout, follow_redirects=False)
            _clients[key] = client
        return client


def send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One attempt: network failures become Transient (the caller decides whether to repeat)."""
    try:
        return client.request(method, url, **kwargs)
    except httpx.TimeoutException as error:
        raise Transient(f"timeout ({type(error).__name__})") from error
    except httpx.TransportError as error:
        raise Transient(f"transport error ({type(error).__name__})") from error


def json_body(system: str, response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as error:
        raise BankProtocolError(f"{system} answered with malformed JSON") from error
    if not isinstance(data, dict):
        raise BankProtocolError(f"{system} answered with JSON that is not an object")
    return data


def raise_for_status(
    system: str,
    response: httpx.Response,
    codes: Mapping[str, type[DomainError]],
    default: type[DomainError],
) -> None:
    """Map a REST error answer (``{"error": {"code", "message"}}``) to a domain error or Transient."""
    if response.is_success:
        return
    status = response.status_code
    if status in (401, 403):
        raise BankAuthenticationFailed(f"{system} refused our credentials ({status})", system=system)
    if status == 429 or status >= 500:  # too many requests, or the system failed: worth another attempt
        raise Transient(f"HTTP {status}")
    try:
        error = response.json().get("error", {})
        code, message = str(error.get("code", "")), str(error.get("message", ""))
    except (ValueError, AttributeError):
        code, message = "", response.reason_phrase
    raise codes.get(code, default)(f"{system}: {message or code or status}", system=system, code=code, status=status)
