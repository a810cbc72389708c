"""The Keycloak verifier, one check per case: the valid token (or verifier) with one thing changed, and the
reason (and claim) the refusal names; the key cache's interval to the second."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from jwt.algorithms import RSAAlgorithm

from messenger_bank.security.errors import TokenRejected
from messenger_bank.security.jwt_authorizer import MAX_TOKEN_BYTES, KeycloakVerifier
from tests.unit.security.test_jwt_authorizer import (
    AUDIENCE,
    ISSUER,
    JWKS_URL,
    KID,
    SIGNING,
    Clock,
    FakeJwks,
    b64,
    claims,
    signed,
    verifier_with,
)


def refusal(token: object, verifier: KeycloakVerifier | None = None) -> dict[str, Any]:
    with pytest.raises(TokenRejected) as rejected:
        (verifier or verifier_with(FakeJwks())).verify(token)  # type: ignore[arg-type]
    return rejected.value.details


@pytest.mark.parametrize(
    "missing",
    [(None, AUDIENCE, JWKS_URL), (ISSUER, None, JWKS_URL), (ISSUER, AUDIENCE, None)],
    ids=["issuer", "audience", "JWKS URL"],
)
def test_a_verifier_needs_an_issuer_an_audience_and_a_jwks_url(missing: tuple[str, str, str]) -> None:
    with pytest.raises(ValueError, match="all needed"):
        KeycloakVerifier(*missing, fetch=FakeJwks())


# --- the token's shape -----------------------------------------------------------------------------------------
def signed_with_header(payload: dict[str, Any], header: dict[str, Any]) -> str:
    """RS256 over exactly `header` (PyJWT's encode would drop a default-valued parameter such as b64: true)."""
    signing_input = f"{b64(header)}.{b64(payload)}"
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), SIGNING)
    return f"{signing_input}.{b64(signature)}"


def padded_token(length: int) -> str:
    """A valid token exactly `length` characters long (a signed padding claim, and a header parameter to
    reach the lengths base64 skips)."""
    for extra in range(4):
        header = {"alg": "RS256", "typ": "JWT", "kid": KID, "x": "y" * extra}
        base = signed_with_header(claims(pad=""), header)
        pad = max(0, (length - len(base)) * 3 // 4 - 2)
        for more in range(6):
            token = signed_with_header(claims(pad="p" * (pad + more)), header)
            if len(token) == length:
                return token
    raise AssertionError(f"no token of {length} characters")


def test_a_token_of_the_longest_length_is_accepted() -> None:
    token = padded_token(MAX_TOKEN_BYTES)

    assert verifier_with(FakeJwks()).verify(token).subject == "partner-service-account"


def test_a_token_a_character_too_long_is_malformed() -> None:
    token = padded_token(MAX_TOKEN_BYTES + 1)

    assert refusal(token) == {"reason": "malformed"}


@pytest.mark.parametrize("token", [None, 12345, b"a.b.c"], ids=["none", "a number", "bytes"])
def test_a_token_that_is_not_text_is_malformed(token: object) -> None:
    assert refusal(token) == {"reason": "malformed"}


def test_a_token_declaring_a_critical_header_is_refused_as_such() -> None:
    # PyJWT itself refuses a "crit" naming an extension it does not know, but understands "b64".
    token = signed_with_header(claims(), {"alg": "RS256", "kid": KID, "crit": ["b64"], "b64": True})

    assert refusal(token) == {"reason": "crit"}


# --- the claims --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "aud", "sub"])
def test_a_missing_claim_is_named(claim: str) -> None:
    assert refusal(signed(claims(**{claim: None}))) == {"reason": "missing_claim", "claim": claim}


def test_an_empty_subject_is_a_missing_subject() -> None:
    assert refusal(signed(claims(sub=""))) == {"reason": "missing_claim", "claim": "sub"}


def test_an_issue_time_written_as_text_is_refused() -> None:
    # PyJWT reads "1765000000" as a number; the verifier does not.
    token = signed(claims(iat=str(claims()["iat"])))

    assert refusal(token) == {"reason": "not_yet_valid"}


def test_a_token_without_scope_type_or_roles_has_none() -> None:
    verified = verifier_with(FakeJwks()).verify(signed(claims(scope=None, realm_access={})))

    assert (verified.scope, verified.token_type, verified.roles) == ("", "", ())


# --- the key cache ---------------------------------------------------------------------------------------------
def test_a_known_kid_never_refetches_the_keys() -> None:
    jwks, clock = FakeJwks(), Clock()
    verifier = verifier_with(jwks, clock)
    verifier.verify(signed())

    clock.now += 3600
    verifier.verify(signed())

    assert jwks.fetches == [JWKS_URL]


@pytest.mark.parametrize(("after", "fetches"), [(59.9, 1), (60.0, 2)])
def test_an_unknown_kid_refetches_once_the_interval_has_passed(after: float, fetches: int) -> None:
    jwks, clock = FakeJwks(), Clock()
    verifier = verifier_with(jwks, clock)
    verifier.verify(signed())

    clock.now += after
    refusal(signed(kid="unknown-kid"), verifier)

    assert len(jwks.fetches) == fetches


def test_a_jwks_without_keys_refuses_the_kid_as_unknown() -> None:
    def empty(url: str) -> Mapping[str, Any]:
        return {}

    assert refusal(signed(), KeycloakVerifier(ISSUER, AUDIENCE, JWKS_URL, fetch=empty)) == {"reason": "unknown_kid"}
