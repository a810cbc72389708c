"""Where a realm's signing keys are fetched from: the issuer's own certs endpoint, one slash between."""

from __future__ import annotations

import pytest

from messenger_bank.security.jwt_authorizer import KeycloakVerifier


@pytest.mark.parametrize(
    ("issuer", "certs"),
    [
        ("https://kc.example/realms/bank", "https://kc.example/realms/bank/protocol/openid-connect/certs"),
        ("https://kc.example/realms/bank/", "https://kc.example/realms/bank/protocol/openid-connect/certs"),
        ("https://kc.example/realms/BANKX", "https://kc.example/realms/BANKX/protocol/openid-connect/certs"),
    ],
    ids=["as given", "a trailing slash", "a realm ending in X"],
)
def test_a_realms_keys_are_fetched_from_its_issuers_certs_endpoint(issuer: str, certs: str) -> None:
    assert KeycloakVerifier.for_keycloak(issuer, "bank-api").jwks_url == certs
