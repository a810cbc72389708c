"""The Keycloak verifier's time checks to the second, on both sides of its 30 s leeway, with the clock
frozen (PyJWT's and the verifier's own): each token is the valid one with one time claim moved."""

from __future__ import annotations

from typing import Any

import pytest

from messenger_bank.security.errors import TokenRejected
from messenger_bank.security.jwt_authorizer import KeycloakVerifier
from tests.unit.security.conftest import JwtClock
from tests.unit.security.test_jwt_authorizer import AUDIENCE, ISSUER, JWKS_URL, FakeJwks, claims, signed

NOW = 1_765_000_000
LEEWAY = 30


@pytest.fixture
def verifier(jwt_clock: JwtClock) -> KeycloakVerifier:
    jwt_clock.at = NOW
    return KeycloakVerifier(ISSUER, AUDIENCE, JWKS_URL, fetch=FakeJwks(), clock=lambda: NOW, leeway=LEEWAY)


def at_now(**changes: Any) -> dict[str, Any]:
    return claims(**{"iat": NOW, "nbf": NOW, "exp": NOW + 300, **changes})


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param(
            {"exp": NOW - LEEWAY + 1, "iat": NOW - 600, "nbf": NOW - 600}, None, id="expired within the leeway"
        ),
        pytest.param({"exp": NOW - LEEWAY, "iat": NOW - 600, "nbf": NOW - 600}, "expired", id="expired by the leeway"),
        pytest.param({"nbf": NOW + LEEWAY}, None, id="not before, within the leeway"),
        pytest.param({"nbf": NOW + LEEWAY + 1}, "not_yet_valid", id="not before, beyond the leeway"),
        pytest.param({"iat": NOW + LEEWAY}, None, id="issued ahead, within the leeway"),
        pytest.param({"iat": NOW + LEEWAY + 1}, "not_yet_valid", id="issued ahead, beyond the leeway"),
    ],
)
def test_time_claims_are_checked_to_the_second(
    verifier: KeycloakVerifier, changes: dict[str, Any], reason: str | None
) -> None:
    token = signed(at_now(**changes))

    if reason is None:
        assert verifier.verify(token).subject == "partner-service-account"
    else:
        with pytest.raises(TokenRejected) as rejected:
            verifier.verify(token)
        assert rejected.value.details["reason"] == reason
