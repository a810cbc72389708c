"""Which entries of the realm's JWKS the authorizer takes as signing keys, one field changed at a time from
Keycloak's RS256 signing key: an entry for encryption, or for another algorithm, is not a signing key (a token
naming its kid is refused as of an unknown key); an entry without `use` and `alg` is (both are optional in a JWK,
RFC 7517). A refetched JWKS whose only key has an unacceptable kid leaves the keys the verifier has."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from messenger_bank.security.errors import TokenRejected
from messenger_bank.security.jwt_authorizer import KeycloakVerifier
from tests.unit.security.test_jwt_authorizer import (
    AUDIENCE,
    ISSUER,
    JWKS_URL,
    KID,
    SIGNING,
    Clock,
    FakeJwks,
    jwk_of,
    signed,
    verifier_with,
)


class OneEntry:
    """A JWKS endpoint that publishes one entry for the signing key, as given."""

    def __init__(self, entry: Mapping[str, Any]) -> None:
        self.entry = dict(entry)

    def __call__(self, url: str) -> Mapping[str, Any]:
        return {"keys": [self.entry]}


def signing_entry(**fields: str | None) -> dict[str, Any]:
    entry = jwk_of(SIGNING, KID, use="sig", alg="RS256")
    for name, value in fields.items():
        if value is None:
            del entry[name]
        else:
            entry[name] = value
    return entry


@pytest.mark.parametrize(
    ("entry", "taken"),
    [
        (signing_entry(), True),
        (signing_entry(use=None, alg=None), True),
        (signing_entry(use=None), True),
        (signing_entry(alg=None), True),
        (signing_entry(use="enc"), False),
        (signing_entry(alg="RS512"), False),
        (signing_entry(alg="PS256"), False),
    ],
    ids=["sig-RS256", "no-use-no-alg", "no-use", "no-alg", "for-encryption", "for-RS512", "for-PS256"],
)
def test_an_entry_is_a_signing_key_for_rs256_signatures_only(entry: dict[str, Any], taken: bool) -> None:
    verifier = KeycloakVerifier(ISSUER, AUDIENCE, JWKS_URL, fetch=OneEntry(entry), monotonic=Clock())

    if taken:
        assert verifier.verify(signed()).subject == "partner-service-account"
    else:
        with pytest.raises(TokenRejected) as refused:
            verifier.verify(signed())
        assert refused.value.details["reason"] == "unknown_kid"


@pytest.mark.parametrize("kid", ["kid with spaces", "k" * 129, 12345], ids=["not-url-safe", "too-long", "a-number"])
def test_a_refetched_jwks_whose_only_key_has_an_unacceptable_kid_keeps_the_cached_keys(kid: object) -> None:
    jwks, clock = FakeJwks(), Clock()
    verifier = verifier_with(jwks, clock)
    verifier.verify(signed())
    verifier._fetch = OneEntry({**jwk_of(SIGNING, KID), "kid": kid})
    clock.now += 61
    with pytest.raises(TokenRejected):
        verifier.verify(signed(kid="rotated-2"))  # an unknown kid: the JWKS is fetched again

    assert verifier.verify(signed()).subject == "partner-service-account"
