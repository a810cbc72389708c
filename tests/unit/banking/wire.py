"""A bank system on the wire for the clients' unit tests: it records every request and answers from a script."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from messenger_bank.banking.clients.http import RetryPolicy

# No waiting between attempts: the tests count attempts, not seconds.
POLICY = RetryPolicy(max_retries=2, backoff_base=0.0, backoff_max=0.0)
TIMEOUT = httpx.Timeout(1.0)

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


class Wire:
    """Answers the n-th request with the n-th answer (the last one again once they run out); an answer may be a
    function of the request (to raise a network error, or to answer what it was asked)."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = answers or (httpx.Response(200, json={}),)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.answers[min(len(self.seen), len(self.answers)) - 1]
        return answer(request) if callable(answer) else answer

    @property
    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    @property
    def request(self) -> httpx.Request:
        """The one request seen (fails when there were more or none)."""
        [request] = self.seen
        return request

    def body(self, index: int = 0) -> Any:
        return json.loads(self.seen[index].content)


def error(status: int, code: str) -> httpx.Response:
    """A REST system's refusal, as core, Cerberus, the acquirer and the partners answer one."""
    return httpx.Response(status, json={"error": {"code": code, "message": f"refused: {code}"}})


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("no answer in time", request=request)
