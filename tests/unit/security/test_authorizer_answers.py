"""The authorizer's whole answer for each kind of request, where the bearer token is found, the verifier
made for a Keycloak realm, and the JWKS fetch against a local HTTP server standing in for Keycloak's certs
endpoint (127.0.0.1, one thread)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import httpx
import pytest

from messenger_bank.security.jwt_authorizer import MAX_JWKS_BYTES, KeycloakVerifier, bearer_token, httpx_fetch
from tests.unit.security.test_internal_authorization import OPERATOR_ROUTE, event, operator_token, verifier
from tests.unit.security.test_jwt_authorizer import AUDIENCE, ISSUER, JWKS_URL, FakeJwks, claims, keycloak_jwks, signed


# --- the answer ----------------------------------------------------------------------------------------------
def test_a_request_without_a_token_is_refused_saying_so() -> None:
    assert verifier().authorize({"version": "2.0", "routeKey": OPERATOR_ROUTE}) == {
        "isAuthorized": False,
        "context": {"reason": "no_token"},
    }


@pytest.mark.parametrize(
    ("changes", "reason"),
    [({"aud": "another-api"}, "audience"), ({"iss": "https://evil.example/realms/bank"}, "issuer")],
)
def test_a_refused_token_is_answered_with_the_reason(changes: dict[str, Any], reason: str) -> None:
    assert verifier().authorize(event(operator_token(**changes))) == {
        "isAuthorized": False,
        "context": {"reason": reason},
    }


def test_an_authenticated_token_without_the_role_is_answered_with_the_reason() -> None:
    assert verifier().authorize(event(operator_token(realm_access={"roles": ["partner"]}))) == {
        "isAuthorized": False,
        "context": {"reason": "role"},
    }


def test_an_allowed_client_with_an_empty_id_is_answered_with_an_empty_client_id() -> None:
    allowed = KeycloakVerifier(ISSUER, AUDIENCE, JWKS_URL, fetch=FakeJwks(), allowed_clients=frozenset({""}))

    answer = allowed.authorize(event(operator_token(azp="")))

    assert answer["isAuthorized"] is True
    assert answer["context"]["client_id"] == ""


# --- where the token is --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Authorization", "authorization", "AUTHORIZATION"])
def test_the_token_is_read_from_the_authorization_header_whatever_its_case(name: str) -> None:
    assert bearer_token({"headers": {name: "Bearer abc.def.ghi"}}) == "abc.def.ghi"


def test_a_bearer_value_in_another_header_is_not_the_token() -> None:
    headers = {"x-forwarded-authorization": "Bearer evil.evil.evil", "Authorization": "Bearer abc.def.ghi"}

    assert bearer_token({"headers": headers}) == "abc.def.ghi"


def test_only_another_header_carrying_a_bearer_value_is_no_token() -> None:
    assert bearer_token({"headers": {"x-forwarded-authorization": "Bearer evil.evil.evil"}}) is None


def test_a_token_after_two_spaces_is_still_the_token() -> None:
    assert bearer_token({"headers": {"authorization": "Bearer  abc.def.ghi"}}) == "abc.def.ghi"


def test_a_request_with_the_token_in_the_header_only_is_authorized() -> None:
    request = {"routeKey": OPERATOR_ROUTE, "headers": {"Authorization": f"Bearer {operator_token()}"}}

    assert verifier().authorize(request)["isAuthorized"] is True


# --- a verifier for a realm ----------------------------------------------------------------------------------
def test_a_verifier_for_a_keycloak_realm_reads_the_realms_certs_endpoint() -> None:
    jwks = FakeJwks()

    realm = KeycloakVerifier.for_keycloak(f"{ISSUER}/", AUDIENCE, fetch=jwks, allowed_clients=frozenset({"x"}))

    assert (realm.issuer, realm.audience, realm.jwks_url) == (f"{ISSUER}/", AUDIENCE, JWKS_URL)
    assert realm.allowed_clients == frozenset({"x"})
    realm._refresh()
    assert jwks.fetches == [JWKS_URL]


def test_a_verifier_for_a_keycloak_realm_verifies_its_tokens() -> None:
    realm = KeycloakVerifier.for_keycloak(ISSUER, AUDIENCE, fetch=FakeJwks())

    assert realm.verify(signed(claims())).subject == "partner-service-account"


# --- fetching the JWKS ---------------------------------------------------------------------------------------
class Certs(BaseHTTPRequestHandler):
    """Keycloak's certs endpoint; `/redirect` sends elsewhere, `/sized/<n>` answers a JSON body of n bytes."""

    accepts: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        Certs.accepts.append(self.headers.get("Accept"))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/certs")
            self.end_headers()
            return
        if self.path.startswith("/sized/"):
            size = int(self.path.rsplit("/", 1)[1])
            body = json.dumps({"keys": [], "pad": ""}).encode()
            body = json.dumps({"keys": [], "pad": "x" * (size - len(body))}).encode()
        elif self.path == "/list":
            body = b"[]"
        else:
            body = json.dumps(keycloak_jwks()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def certs() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Certs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_jwks_is_fetched_as_json(certs: str) -> None:
    Certs.accepts.clear()

    assert httpx_fetch(f"{certs}/certs") == keycloak_jwks()
    assert Certs.accepts == ["application/json"]


def test_a_redirect_is_not_followed(certs: str) -> None:
    Certs.accepts.clear()

    with pytest.raises(httpx.HTTPStatusError):
        httpx_fetch(f"{certs}/redirect")
    assert len(Certs.accepts) == 1


@pytest.mark.parametrize(("size", "refused"), [(MAX_JWKS_BYTES, False), (MAX_JWKS_BYTES + 1, True)])
def test_a_jwks_may_be_256_kilobytes(certs: str, size: int, refused: bool) -> None:
    if refused:
        with pytest.raises(ValueError, match="too large"):
            httpx_fetch(f"{certs}/sized/{size}")
    else:
        assert httpx_fetch(f"{certs}/sized/{size}")["keys"] == []


def test_a_jwks_that_is_not_an_object_is_refused(certs: str) -> None:
    with pytest.raises(ValueError, match="not an object"):
        httpx_fetch(f"{certs}/list")


def test_the_fetch_gives_up_connecting_after_two_seconds_and_waiting_after_three(
    certs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[httpx.Client] = []

    class Recorded(httpx.Client):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            made.append(self)

    monkeypatch.setattr(httpx, "Client", Recorded)

    httpx_fetch(f"{certs}/certs")

    assert made[0].timeout == httpx.Timeout(connect=2.0, read=3.0, write=3.0, pool=3.0)
    assert made[0].follow_redirects is False
