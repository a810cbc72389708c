"""Each bank system's calls are measured under that system's own name (the `system` dimension of
BankCallLatency, which the dashboard and the latency alarms read): a call, a download and a token."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from aws_lambda_powertools.metrics import MetricUnit

from messenger_bank.banking.clients import http
from messenger_bank.banking.clients.keycloak import KeycloakTokens, clear_token_cache
from messenger_bank.banking.clients.rest import RestClient
from tests.unit.banking.wire import POLICY, TIMEOUT, Wire

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture
def systems(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The `system` of every BankCallLatency counted."""
    seen: list[str] = []

    def count(name: str, *, value: float = 1, unit: MetricUnit = MetricUnit.Count, **dimensions: str) -> None:
        if name == "BankCallLatency":
            seen.append(dimensions["system"])

    monkeypatch.setattr(http, "count", count)
    clear_token_cache()
    yield seen
    clear_token_cache()


def acquirer(wire: Wire) -> RestClient:
    return RestClient("acquirer", "https://acq.test/", timeout=TIMEOUT, policy=POLICY, api_key="k", codes={},
                      client=wire.client)  # fmt: skip


def test_a_call_is_measured_under_its_systems_name(systems: list[str]) -> None:
    acquirer(Wire(httpx.Response(200, json={}))).call("GET", "/x", operation="x")
    assert systems == ["acquirer"]


def test_a_download_is_measured_under_its_systems_name(systems: list[str]) -> None:
    wire = Wire(httpx.Response(200, content=PNG, headers={"Content-Type": "image/png"}))
    acquirer(wire).download(
        "https://acq.test/logo.png", operation="logo", max_bytes=1024, content_types=frozenset({"image/png"})
    )
    assert systems == ["acquirer"]


def test_a_token_is_measured_under_keycloak(systems: list[str]) -> None:
    wire = Wire(httpx.Response(200, json={"access_token": "t", "expires_in": 300}))
    KeycloakTokens("https://id.test/realms/bank", "mb", "s", timeout=TIMEOUT, policy=POLICY, client=wire.client).token()
    assert systems == ["keycloak"]
