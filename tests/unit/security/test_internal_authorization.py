"""The internal API by role (issue 16): an authenticated token passes the authorizer only when it is an
access token (``typ`` Bearer) of an allowed client (``azp``) carrying the role its route names. Each case
is the valid request with one thing changed."""

from __future__ import annotations

from typing import Any

import pytest

from messenger_bank.security.internal_roles import ROUTE_ROLES, role_for
from messenger_bank.security.jwt_authorizer import KeycloakVerifier
from tests.unit.security.test_jwt_authorizer import AUDIENCE, ISSUER, JWKS_URL, FakeJwks, claims, signed

OPERATOR_ROUTE = "GET /internal/customers/{customer_id}"
EVENTS_ROUTE = "POST /internal/plastic-events"
ALLOWED = frozenset({"operator-console", "core-banking"})
EVENTS_ROLES = {"roles": ["core-banking-events"]}
CLIENT_ROLE = {"core-banking": {"roles": ["operator"]}}


def verifier() -> KeycloakVerifier:
    return KeycloakVerifier(ISSUER, AUDIENCE, JWKS_URL, fetch=FakeJwks(), allowed_clients=ALLOWED)


def operator_token(**changes: Any) -> str:
    base: dict[str, Any] = {"typ": "Bearer", "azp": "operator-console", "realm_access": {"roles": ["operator"]}}
    return signed(claims(**{**base, **changes}))


def event(token: str, route_key: str | None = OPERATOR_ROUTE) -> dict[str, Any]:
    answer: dict[str, Any] = {"version": "2.0", "type": "REQUEST", "identitySource": [f"Bearer {token}"]}
    if route_key is not None:
        answer["routeKey"] = route_key
    return answer


def test_an_operator_access_token_of_an_allowed_client_reaches_the_operator_route() -> None:
    answer = verifier().authorize(event(operator_token()))

    assert answer["isAuthorized"] is True
    assert answer["context"]["roles"] == "operator"


@pytest.mark.parametrize(
    ("case", "token", "route_key", "reason"),
    [
        ("a token without any role", lambda: operator_token(realm_access=None), OPERATOR_ROUTE, "role"),
        (
            "a token with another route's role",
            lambda: operator_token(realm_access=EVENTS_ROLES),
            OPERATOR_ROUTE,
            "role",
        ),
        ("the operator's token on core banking's route", operator_token, EVENTS_ROUTE, "role"),
        (
            "a role only as a client role",
            lambda: operator_token(realm_access=None, resource_access=CLIENT_ROLE),
            OPERATOR_ROUTE,
            "role",
        ),
        ("an ID token", lambda: operator_token(typ="ID"), OPERATOR_ROUTE, "token_type"),
        ("a refresh token", lambda: operator_token(typ="Refresh"), OPERATOR_ROUTE, "token_type"),
        ("a token without typ", lambda: operator_token(typ=None), OPERATOR_ROUTE, "token_type"),
        ("a typ in another case", lambda: operator_token(typ="bearer"), OPERATOR_ROUTE, "token_type"),
        ("an azp not allowed", lambda: operator_token(azp="grushovka-partner"), OPERATOR_ROUTE, "client"),
        ("no azp", lambda: operator_token(azp=None), OPERATOR_ROUTE, "client"),
        ("a route nobody may call", operator_token, "GET /internal/everything", "route"),
        ("no route key", operator_token, None, "route"),
    ],
)
def test_an_authenticated_token_is_refused_when_one_thing_is_missing(
    case: str, token: Any, route_key: str | None, reason: str
) -> None:
    answer = verifier().authorize(event(token(), route_key))

    assert answer == {"isAuthorized": False, "context": {"reason": reason}}, case


def test_no_allowed_clients_lets_no_one_in() -> None:
    closed = KeycloakVerifier(ISSUER, AUDIENCE, JWKS_URL, fetch=FakeJwks())

    assert closed.authorize(event(operator_token()))["isAuthorized"] is False


def test_core_banking_reaches_its_route_with_its_role() -> None:
    token = operator_token(azp="core-banking", realm_access={"roles": ["core-banking-events"]})

    assert verifier().authorize(event(token, EVENTS_ROUTE))["isAuthorized"] is True


def test_the_allow_list_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from messenger_bank.security.jwt_authorizer import keycloak_verifier

    monkeypatch.setenv("KEYCLOAK_ISSUER", ISSUER)
    monkeypatch.setenv("KEYCLOAK_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("KEYCLOAK_ALLOWED_CLIENTS", " operator-console, core-banking ,")
    keycloak_verifier.cache_clear()
    try:
        assert keycloak_verifier().allowed_clients == ALLOWED
    finally:
        keycloak_verifier.cache_clear()


def test_every_route_names_one_role_and_nothing_else_has_one() -> None:
    assert role_for(OPERATOR_ROUTE) == "operator"
    assert role_for(EVENTS_ROUTE) == "core-banking-events"
    assert role_for(None) is None and role_for("GET /internal/customers/x") is None
    assert all(key.split(" ", 1)[1].startswith("/internal/") for key in ROUTE_ROLES)
