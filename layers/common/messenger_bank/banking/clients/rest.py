"""A REST/JSON client with either a Keycloak bearer token (refreshed once on a 401) or an API key; it also
fetches the files a system serves under its own base URL (a partner's offer pictures)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from messenger_bank.banking.clients.http import (
    RetryPolicy,
    Transient,
    json_body,
    raise_for_status,
    send,
    shared_client,
    with_retries,
)
from messenger_bank.banking.clients.keycloak import KeycloakTokens
from messenger_bank.errors import BankProtocolError, DomainError, OperationRejected


class RestClient:
    def __init__(
        self,
        system: str,
        base_url: str,
        *,
        timeout: httpx.Timeout,
        policy: RetryPolicy,
        tokens: KeycloakTokens | None = None,
        api_key: str | None = None,
        codes: Mapping[str, type[DomainError]] | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.system = system
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._policy = policy
        self._tokens = tokens
        self._api_key = api_key
        self._client = client
        self._codes: Mapping[str, type[DomainError]] = codes or {}

    def call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        idempotent: bool = False,
        idempotency_key: str | None = None,
        default_error: type[DomainError] = OperationRejected,
    ) -> dict[str, Any]:
        """One logical call. Retried only when ``idempotent`` or when it carries ``idempotency_key``."""
        client = self._client or shared_client(self._timeout)
        url = self.base_url + path

        def attempt() -> dict[str, Any]:
            headers = {"Accept": "application/json"}
            if idempotency_key:
                headers["Idempotency-Key"] = idempotency_key
            if self._api_key is not None:
                headers["X-API-Key"] = self._api_key
            token = self._tokens.token() if self._tokens is not None else None
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            response = send(client, method, url, json=json, params=params, headers=headers)
            if response.status_code == 401 and self._tokens is not None and token is not None:
                # The token expired or was revoked before we thought: fetch a new one, once.
                self._tokens.invalidate(token)
                headers["Authorization"] = f"Bearer {self._tokens.token()}"
                response = send(client, method, url, json=json, params=params, headers=headers)
            raise_for_status(self.system, response, self._codes, default_error)
            if not response.content:  # a 204, or a 200 with nothing to say
                return {}
            return json_body(self.system, response)

        return with_retries(
            self.system,
            operation,
            attempt,
            retryable=idempotent or bool(idempotency_key),
            policy=self._policy,
        )

    def under_base(self, url: str) -> bool:
        """True when ``url`` names something below this system's base URL (same scheme, host, port and path
        prefix, no ``..``, no credentials): the only URLs ``download`` fetches, whatever a system answers."""
        try:
            target, base = httpx.URL(url), httpx.URL(self.base_url + "/")
        except httpx.InvalidURL:
            return False
        return (
            (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port)
            and not target.userinfo
            and target.path.startswith(base.path)
            and ".." not in target.path.split("/")
        )

    def download(
        self, url: str, *, operation: str, max_bytes: int, content_types: frozenset[str], retry: bool = True
    ) -> bytes:
        """A file this system serves under its base URL, with the same credentials as its API: read as a
        stream and refused past ``max_bytes`` or in a type not in ``content_types`` (``BankProtocolError``);
        a URL elsewhere is never fetched (``OperationRejected``). Retried as a read unless ``retry`` is off."""
        if not self.under_base(url):
            raise OperationRejected(f"{self.system}: {operation} is not under the system's base URL")
        client = self._client or shared_client(self._timeout)

        def attempt() -> bytes:
            headers = {"Accept": ", ".join(sorted(content_types))}
            if self._api_key is not None:
                headers["X-API-Key"] = self._api_key
            token = self._tokens.token() if self._tokens is not None else None
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            try:
                with client.stream("GET", url, headers=headers) as response:
                    if not response.is_success:
                        response.read()
                        raise_for_status(self.system, response, self._codes, OperationRejected)
                    kind = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
                    if kind not in content_types:
                        raise BankProtocolError(f"{self.system}: {operation} answered {kind or 'no content type'}")
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > max_bytes:
                            raise BankProtocolError(f"{self.system}: {operation} is larger than {max_bytes} bytes")
                    return bytes(body)
            except httpx.TimeoutException as error:
                raise Transient(f"timeout ({type(error).__name__})") from error
            except httpx.TransportError as error:
                raise Transient(f"transport error ({type(error).__name__})") from error

        return with_retries(self.system, operation, attempt, retryable=retry, policy=self._policy)
