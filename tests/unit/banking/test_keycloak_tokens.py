"""Keycloak's client-credentials grant on the wire, what a token answer must hold, which refusals are final and
which are retried, and when a cached token is fetched again (measured from when it was asked for)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from messenger_bank.banking.clients import keycloak
from messenger_bank.banking.clients.keycloak import KeycloakTokens, clear_token_cache
from messenger_bank.errors import BankAuthenticationFailed, BankProtocolError, BankSystemUnavailable
from tests.unit.banking.wire import POLICY, TIMEOUT, Wire

REALM = "https://id.test/realms/bank"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    clear_token_cache()
    yield
    clear_token_cache()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    clock = [1000.0]
    monkeypatch.setattr(keycloak.time, "monotonic", lambda: clock[0])
    return clock


def issued(lifetime: int = 300, takes: float = 0.0, clock: list[float] | None = None) -> Wire:
    """A realm issuing token-1, token-2, ... that live `lifetime` seconds; each answer takes `takes` seconds."""
    count: list[int] = []

    def issue(_: httpx.Request) -> httpx.Response:
        count.append(1)
        if clock is not None:
            clock[0] += takes
        return httpx.Response(200, json={"access_token": f"token-{len(count)}", "expires_in": lifetime})

    return Wire(issue)


def tokens(wire: Wire, realm: str = REALM, client_id: str = "mb", **options: Any) -> KeycloakTokens:
    return KeycloakTokens(realm, client_id, "s3cret", timeout=TIMEOUT, policy=POLICY, client=wire.client, **options)


def test_a_token_is_asked_for_with_the_client_credentials_grant() -> None:
    wire = issued()

    assert tokens(wire, realm=REALM + "/").token() == "token-1"

    request = wire.request
    assert (request.method, str(request.url)) == ("POST", f"{REALM}/protocol/openid-connect/token")
    assert request.content == b"grant_type=client_credentials"
    assert request.headers["Authorization"] == httpx.BasicAuth("mb", "s3cret")._auth_header


def test_each_fetch_is_counted() -> None:
    wire = issued()
    source = tokens(wire)

    source.invalidate(source.token())
    source.token()

    assert source.fetches == 2 and len(wire.seen) == 2


@pytest.mark.parametrize("status", [400, 401, 403])
def test_refused_client_credentials_are_an_authentication_failure_asked_once(status: int) -> None:
    wire = Wire(httpx.Response(status, json={"error": "unauthorized_client"}))

    with pytest.raises(BankAuthenticationFailed):
        tokens(wire).token()
    assert len(wire.seen) == 1


@pytest.mark.parametrize("status", [404, 429, 500, 503])
def test_another_failure_is_retried_then_unavailable(status: int) -> None:
    wire = Wire(httpx.Response(status))

    with pytest.raises(BankSystemUnavailable) as caught:
        tokens(wire).token()
    assert type(caught.value) is BankSystemUnavailable
    assert len(wire.seen) == 3


def test_a_failure_then_a_token_gives_the_token() -> None:
    wire = Wire(httpx.Response(502), httpx.Response(200, json={"access_token": "t", "expires_in": 60}))

    assert tokens(wire).token() == "t"


@pytest.mark.parametrize(
    "answer",
    [
        {"expires_in": 300},
        {"access_token": 42, "expires_in": 300},
        {"access_token": "t"},
        {"access_token": "t", "expires_in": "300"},
        {"access_token": "t", "expires_in": 0},
        {"access_token": "t", "expires_in": -1},
    ],
    ids=["no-token", "token-not-text", "no-lifetime", "lifetime-not-a-number", "no-life", "negative-life"],
)
def test_a_token_answer_without_a_token_or_a_lifetime_is_a_protocol_error(answer: dict[str, Any]) -> None:
    with pytest.raises(BankProtocolError):
        tokens(Wire(httpx.Response(200, json=answer))).token()


def test_a_token_of_one_second_is_taken() -> None:
    assert tokens(Wire(httpx.Response(200, json={"access_token": "t", "expires_in": 1}))).token() == "t"


def test_a_token_is_refreshed_its_margin_before_expiry_counted_from_when_it_was_asked_for(now: list[float]) -> None:
    source = tokens(issued(lifetime=300, takes=5.0, clock=now))

    assert source.token() == "token-1"  # asked at 1000, answered at 1005: good until 1000 + 300 - 30
    now[0] = 1269.99
    assert source.token() == "token-1"
    now[0] = 1270.0
    assert source.token() == "token-2"


def test_the_margin_can_be_set(now: list[float]) -> None:
    source = tokens(issued(lifetime=300), refresh_margin=100.0)

    source.token()
    now[0] = 1199.99
    assert source.token() == "token-1"
    now[0] = 1200.0
    assert source.token() == "token-2"


def test_a_token_is_shared_by_the_clients_of_one_client_id_in_one_realm() -> None:
    wire = issued()

    assert tokens(wire).token() == tokens(wire).token() == "token-1"
    assert len(wire.seen) == 1


@pytest.mark.parametrize(
    "other", [{"realm": "https://id.test/realms/other"}, {"client_id": "ops"}], ids=["realm", "client-id"]
)
def test_another_realm_or_client_id_has_a_token_of_its_own(other: dict[str, str]) -> None:
    wire = issued()

    assert tokens(wire).token() == "token-1"
    assert tokens(wire, **other).token() == "token-2"
    assert tokens(wire).token() == "token-1"


def test_invalidating_another_token_keeps_the_cached_one() -> None:
    wire = issued()
    source = tokens(wire)

    source.token()
    source.invalidate("token-0")

    assert source.token() == "token-1" and len(wire.seen) == 1


def test_invalidating_with_nothing_cached_is_harmless() -> None:
    source = tokens(issued())

    source.invalidate("token-1")

    assert source.token() == "token-1"


def test_callers_with_clients_of_their_own_share_one_fetch() -> None:
    count: list[int] = []

    def slow(_: httpx.Request) -> httpx.Response:
        count.append(1)
        time.sleep(0.05)
        return httpx.Response(200, json={"access_token": f"token-{len(count)}", "expires_in": 300})

    wire = Wire(slow)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(tokens(wire).token())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == ["token-1"] * 8 and len(count) == 1


def test_a_realm_ending_in_x_keeps_it() -> None:
    wire = issued()

    tokens(wire, realm="https://id.test/realms/BOX/").token()

    assert wire.request.url.path == "/realms/BOX/protocol/openid-connect/token"


def test_the_first_client_of_a_new_realm_fetches_under_a_lock_of_its_own() -> None:
    realm = f"https://id.test/realms/new-{time.monotonic_ns()}"

    assert tokens(issued(), realm=realm).token() == "token-1"


def test_without_a_client_of_its_own_the_pooled_client_of_its_timeout_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    wire, asked = issued(), []
    monkeypatch.setattr(keycloak, "shared_client", lambda timeout: asked.append(timeout) or wire.client)

    KeycloakTokens(REALM, "mb", "s3cret", timeout=httpx.Timeout(3.0), policy=POLICY).token()

    assert asked == [httpx.Timeout(3.0)]
