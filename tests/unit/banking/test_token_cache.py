"""Keycloak tokens: cached until shortly before expiry, shared, refreshed once on a 401."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from messenger_bank.banking.clients import keycloak
from messenger_bank.banking.clients.http import RetryPolicy
from messenger_bank.banking.clients.keycloak import KeycloakTokens, clear_token_cache
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.errors import BankAuthenticationFailed

POLICY = RetryPolicy(max_retries=1, backoff_base=0.0, backoff_max=0.0)
REALM = "http://keycloak.test/realms/bank"


class FakeKeycloak:
    def __init__(self, lifetime: int = 300) -> None:
        self.issued = 0
        self.lifetime = lifetime
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/realms/bank/protocol/openid-connect/token"
        assert b"grant_type=client_credentials" in request.content
        if request.headers.get("Authorization") != httpx.BasicAuth("mb", "secret")._auth_header:
            return httpx.Response(401, json={"error": "unauthorized_client"})
        with self.lock:
            self.issued += 1
            return httpx.Response(200, json={"access_token": f"token-{self.issued}", "expires_in": self.lifetime})


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    clear_token_cache()
    yield
    clear_token_cache()


def tokens(issuer: FakeKeycloak, secret: str = "secret", margin: float = 30.0) -> KeycloakTokens:  # noqa: S107
    return KeycloakTokens(
        REALM,
        "mb",
        secret,
        timeout=httpx.Timeout(1.0),
        policy=POLICY,
        refresh_margin=margin,
        client=httpx.Client(transport=httpx.MockTransport(issuer)),
    )


def test_a_token_is_reused_across_clients_until_shortly_before_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    issuer, now = FakeKeycloak(lifetime=300), [1000.0]
    monkeypatch.setattr(keycloak.time, "monotonic", lambda: now[0])
    assert tokens(issuer).token() == "token-1"
    now[0] += 269  # 300 s lifetime minus the 30 s margin: still good
    assert tokens(issuer).token() == "token-1"
    now[0] += 2
    assert tokens(issuer).token() == "token-2"
    assert issuer.issued == 2


def test_a_short_lived_token_keeps_half_its_life_as_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    issuer, now = FakeKeycloak(lifetime=10), [0.0]
    monkeypatch.setattr(keycloak.time, "monotonic", lambda: now[0])
    source = tokens(issuer)
    source.token()
    now[0] += 4.9
    assert source.token() == "token-1"
    now[0] += 0.2
    assert source.token() == "token-2"


def test_concurrent_callers_share_one_fetch() -> None:
    issuer = FakeKeycloak()
    source = tokens(issuer)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(source.token())) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results) == {"token-1"} and issuer.issued == 1


def test_invalidate_drops_only_the_refused_token() -> None:
    issuer = FakeKeycloak()
    source = tokens(issuer)
    stale = source.token()
    source.invalidate(stale)
    fresh = source.token()
    source.invalidate(stale)  # a second thread reporting the same old token must not drop the new one
    assert source.token() == fresh == "token-2"


def test_wrong_client_credentials_are_an_authentication_failure() -> None:
    with pytest.raises(BankAuthenticationFailed):
        tokens(FakeKeycloak(), secret="wrong").token()


def api(source: KeycloakTokens, handler: httpx.MockTransport) -> RestClient:
    return RestClient(
        "core",
        "http://core.test",
        timeout=httpx.Timeout(1.0),
        policy=POLICY,
        tokens=source,
        client=httpx.Client(transport=handler),
    )


def test_a_401_refreshes_the_token_once_and_succeeds() -> None:
    issuer, seen = FakeKeycloak(), []

    def core(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return (
            httpx.Response(401)
            if request.headers["Authorization"] == "Bearer token-1"
            else httpx.Response(200, json={"ok": True})
        )

    assert api(tokens(issuer), httpx.MockTransport(core)).call("GET", "/x", operation="x") == {"ok": True}
    assert seen == ["Bearer token-1", "Bearer token-2"]


def test_a_second_401_is_an_authentication_failure_without_more_refreshes() -> None:
    issuer = FakeKeycloak()
    with pytest.raises(BankAuthenticationFailed):
        api(tokens(issuer), httpx.MockTransport(lambda _: httpx.Response(401))).call(
            "GET", "/x", operation="x", idempotent=True
        )
    assert issuer.issued == 2
