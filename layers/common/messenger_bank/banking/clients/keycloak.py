"""OAuth2 client-credentials tokens from Keycloak, cached per warm container until shortly before expiry.

The cache is module-level, so every client and every invocation of a warm Lambda shares one token per
(realm, client id). ``invalidate`` drops a token a resource server refused (401); the next ``token``
fetches a new one. Concurrent callers wait for one fetch instead of each fetching.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx

from messenger_bank.banking.clients.http import (
    RetryPolicy,
    Transient,
    json_body,
    send,
    shared_client,
    with_retries,
)
from messenger_bank.errors import BankAuthenticationFailed, BankProtocolError


@dataclass(frozen=True)
class CachedToken:
    value: str
    refresh_at: float  # time.monotonic() after which we fetch a new one


_lock = threading.Lock()
_tokens: dict[tuple[str, str], CachedToken] = {}
_fetch_locks: dict[tuple[str, str], threading.Lock] = {}


def clear_token_cache() -> None:
    with _lock:
        _tokens.clear()


class KeycloakTokens:
    """Tokens of one client in one realm. ``realm_url`` is e.g. http://127.0.0.1:8080/realms/bank."""

    def __init__(
        self,
        realm_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: httpx.Timeout,
        policy: RetryPolicy,
        refresh_margin: float = 30.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.realm_url = realm_url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self._timeout = timeout
        self._policy = policy
        self._margin = refresh_margin
        self._client = client
        self._key = (self.realm_url, client_id)
        self.fetches = 0
        with _lock:
            self._fetch_lock = _fetch_locks.setdefault(self._key, threading.Lock())

    def token(self) -> str:
        cached = self._cached()
        if cached is not None:
            return cached
        with self._fetch_lock:
            cached = self._cached()  # another thread may have fetched while we waited
            if cached is not None:
                return cached
            token = with_retries("keycloak", "token", self._fetch, retryable=True, policy=self._policy)
            with _lock:
                _tokens[self._key] = token
            return token.value

    def invalidate(self, refused: str) -> None:
        """Forget ``refused`` (and only it: a newer token fetched meanwhile by another thread stays)."""
        with _lock:
            cached = _tokens.get(self._key)
            if cached is not None and cached.value == refused:
                del _tokens[self._key]

    def _cached(self) -> str | None:
        with _lock:
            cached = _tokens.get(self._key)
        if cached is not None and time.monotonic() < cached.refresh_at:
            return cached.value
        return None

    def _fetch(self) -> CachedToken:
        client = self._client or shared_client(self._timeout)
        started = time.monotonic()
        response = send(
            client,
            "POST",
            f"{self.realm_url}/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            auth=(self.client_id, self._secret),
        )
        self.fetches += 1
        if response.status_code in (400, 401, 403):
            raise BankAuthenticationFailed(f"keycloak refused the client credentials ({response.status_code})")
        if not response.is_success:
            raise Transient(f"HTTP {response.status_code}")
        data = json_body("keycloak", response)
        token, lifetime = data.get("access_token"), data.get("expires_in")
        if not isinstance(token, str) or not isinstance(lifetime, int) or lifetime <= 0:
            raise BankProtocolError("keycloak answered without access_token / expires_in")
        margin = min(self._margin, lifetime / 2)
        return CachedToken(token, started + lifetime - margin)
