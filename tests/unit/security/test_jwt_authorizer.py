"""The JWT attack suite for the Keycloak authorizer, with our own RSA keys and a fake JWKS endpoint.

Run with ``-s`` to see the summary (cases tried, cases rejected) for the closing note.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import RSAAlgorithm

from messenger_bank.security.errors import TokenRejected
from messenger_bank.security.jwt_authorizer import KeycloakVerifier, authorize, bearer_token

ISSUER = "https://sso.bank.example/realms/bank"
AUDIENCE = "messenger-bank-internal"
JWKS_URL = f"{ISSUER}/protocol/openid-connect/certs"
KID = "Q3Jr5pN2kXw9YbVt0fLmH8sA1dE6gZcU"
# The 1024-bit key is an attack case on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


SIGNING = rsa_key()
ROTATED = rsa_key()
ATTACKER = rsa_key()
ENCRYPTION = rsa_key()
WEAK = rsa_key(1024)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC_PEM = SIGNING.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def jwk_of(key: rsa.RSAPrivateKey, kid: str, **extra: str) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    entry.update({"kid": kid, **extra})
    return entry


def keycloak_jwks(*, rotated: bool = False) -> dict[str, Any]:
    """What Keycloak publishes: the RS256 signing key and an RSA-OAEP encryption key (plus a weak one)."""
    keys = [
        jwk_of(SIGNING, KID, use="sig", alg="RS256"),
        jwk_of(ENCRYPTION, "enc-key-1", use="enc", alg="RSA-OAEP"),
        jwk_of(WEAK, "weak-1024", use="sig", alg="RS256"),
    ]
    if rotated:
        keys.append(jwk_of(ROTATED, "rotated-2", use="sig", alg="RS256"))
    return {"keys": keys}


@dataclass
class FakeJwks:
    """The realm's certs endpoint: counts fetches; `rotated` publishes a second signing key."""

    rotated: bool = False
    fetches: list[str] = field(default_factory=list)

    def __call__(self, url: str) -> Mapping[str, Any]:
        self.fetches.append(url)
        return keycloak_jwks(rotated=self.rotated)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def verifier_with(jwks: FakeJwks, clock: Clock | None = None) -> KeycloakVerifier:
    return KeycloakVerifier(ISSUER, AUDIENCE, JWKS_URL, fetch=jwks, monotonic=clock or Clock(), refetch_interval=60)


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "partner-service-account",
        "azp": "grushovka-partner",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "scope": "partners.callback",
        "realm_access": {"roles": ["partner"]},
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload: dict[str, Any] | None = None, *, key: Any = SIGNING, alg: str = "RS256", **headers: Any) -> str:
    header = {"kid": KID, **headers}
    return jwt.encode(payload if payload is not None else claims(), key, algorithm=alg, headers=header)


def b64(data: bytes | dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forged(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return f"{b64(header)}.{b64(payload)}.{b64(signature)}"


def hmac_forged(secret: bytes, alg: str = "HS256", kid: str = KID) -> str:
    """The algorithm-confusion forgery: HS256 'signed' with the server's public key as the secret."""
    signing_input = f"{b64({'alg': alg, 'typ': 'JWT', 'kid': kid})}.{b64(claims())}"
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    return f"{signing_input}.{b64(hmac.new(secret, signing_input.encode(), digest).digest())}"


def tamper_payload(token: str) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{b64(claims(sub='admin', realm_access={'roles': ['operator']}))}.{signature}"


def tamper_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[len(raw) // 2] ^= 0x01
    return f"{header}.{payload}.{b64(bytes(raw))}"


def with_header(token: str, **changes: Any) -> str:
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(header + "=="))
    decoded.update(changes)
    return f"{b64(decoded)}.{payload}.{signature}"


def now() -> int:
    """Read when a case's token is made (at run time): a time taken at collection would age with the run."""
    return int(time.time())


JWKS_JSON = json.dumps(keycloak_jwks()).encode()
# name → token builder; every one must be rejected.
ATTACKS: dict[str, Callable[[], str]] = {
    # algorithm
    "alg none, no signature": lambda: forged({"alg": "none", "kid": KID}, claims()),
    "alg none, real signature kept": lambda: with_header(signed(), alg="none"),
    "alg None (case)": lambda: forged({"alg": "None", "kid": KID}, claims()),
    "alg NONE (case)": lambda: forged({"alg": "NONE", "kid": KID}, claims()),
    "alg missing": lambda: forged({"kid": KID}, claims(), b"x"),
    "HS256 with the public key PEM as secret": lambda: hmac_forged(PUBLIC_PEM),
    "HS256 with the PEM without its newline": lambda: hmac_forged(PUBLIC_PEM.strip()),
    "HS256 with the JWKS JSON as secret": lambda: hmac_forged(JWKS_JSON),
    "HS384 with the public key PEM as secret": lambda: hmac_forged(PUBLIC_PEM, "HS384"),
    "HS512 with the public key PEM as secret": lambda: hmac_forged(PUBLIC_PEM, "HS512"),
    "RS384 with the real key": lambda: signed(alg="RS384"),
    "RS512 with the real key": lambda: signed(alg="RS512"),
    "PS256 with the real key": lambda: signed(alg="PS256"),
    "ES256 with an EC key": lambda: signed(key=EC_KEY, alg="ES256"),
    "header says RS256, signed RS512": lambda: with_header(signed(alg="RS512"), alg="RS256"),
    # time
    "expired": lambda: signed(claims(exp=now() - 3600, iat=now() - 7200, nbf=now() - 7200)),
    "expired just beyond the leeway": lambda: signed(claims(exp=now() - 31, iat=now() - 600, nbf=now() - 600)),
    "not yet valid (nbf)": lambda: signed(claims(nbf=now() + 3600)),
    "issued in the future (iat)": lambda: signed(claims(iat=now() + 3600)),
    "exp as a string": lambda: signed(claims(exp="never")),
    # issuer and audience
    "wrong issuer": lambda: signed(claims(iss="https://evil.example/realms/bank")),
    "issuer with a trailing slash": lambda: signed(claims(iss=ISSUER + "/")),
    "another realm of the same Keycloak": lambda: signed(claims(iss="https://sso.bank.example/realms/master")),
    "wrong audience": lambda: signed(claims(aud="account")),
    "audience list without ours": lambda: signed(claims(aud=["account", "broker"])),
    "audience prefix of ours": lambda: signed(claims(aud=AUDIENCE[:-1])),
    # missing claims
    "missing exp": lambda: signed(claims(exp=None)),
    "missing iat": lambda: signed(claims(iat=None)),
    "missing iss": lambda: signed(claims(iss=None)),
    "missing aud": lambda: signed(claims(aud=None)),
    "missing sub": lambda: signed(claims(sub=None)),
    "empty sub": lambda: signed(claims(sub="")),
    # keys
    "unknown kid, attacker's key": lambda: signed(key=ATTACKER, kid="attacker-key"),
    "real kid, attacker's key": lambda: signed(key=ATTACKER),
    "embedded jwk header with the attacker's key": lambda: signed(key=ATTACKER, jwk=jwk_of(ATTACKER, KID, use="sig")),
    "jku header pointing at the attacker": lambda: signed(key=ATTACKER, jku="https://evil.example/jwks.json"),
    "x5u header pointing at the attacker": lambda: signed(key=ATTACKER, x5u="https://evil.example/cert.pem"),
    "signed with the realm's encryption key": lambda: signed(key=ENCRYPTION, kid="enc-key-1"),
    "signed with a 1024-bit key published in the JWKS": lambda: signed(key=WEAK, kid="weak-1024"),
    "kid missing": lambda: jwt.encode(claims(), SIGNING, algorithm="RS256"),
    "kid empty": lambda: signed(kid=""),
    "kid not a string": lambda: forged({"alg": "RS256", "kid": 123}, claims(), b"x" * 256),
    "kid too long": lambda: signed(kid="a" * 129),
    # kid path and URL tricks
    "kid ../../etc/passwd": lambda: signed(kid="../../etc/passwd"),
    "kid ..\\..\\windows": lambda: signed(kid="..\\..\\windows\\win.ini"),
    "kid /dev/null": lambda: signed(kid="/dev/null"),
    "kid URL-encoded traversal": lambda: signed(kid="..%2f..%2fetc%2fpasswd"),
    "kid URL": lambda: signed(kid="https://evil.example/key.pem"),
    "kid file URL": lambda: signed(kid="file:///etc/passwd"),
    "kid SQL": lambda: signed(kid="x' OR '1'='1"),
    "kid with a NUL": lambda: signed(kid=KID + "\x00"),
    "kid real plus traversal": lambda: signed(kid=KID + "/../" + KID),
    # tampering and shape
    "tampered payload": lambda: tamper_payload(signed()),
    "tampered signature": lambda: tamper_signature(signed()),
    "signature removed": lambda: signed().rsplit(".", 1)[0] + ".",
    "kid swapped after signing": lambda: with_header(signed(key=ROTATED, kid="rotated-2"), kid=KID),
    "crit header": lambda: signed(crit=["exp"], exp=1),
    "two parts": lambda: ".".join(signed().split(".")[:2]),
    "four parts": lambda: signed() + ".AAAA",
    "not base64": lambda: "a$b.c$d.e$f",
    "header not JSON": lambda: f"{b64(b'not json')}.{b64(claims())}.{b64(b'x')}",
    "oversized token": lambda: signed(claims(padding="x" * 9000)),
    "empty string": lambda: "",
}

# Why each attack must be refused: the reason the verifier gives (the first check that fails).
REASONS: dict[str, str] = {
    "alg none, no signature": "malformed",
    "alg none, real signature kept": "algorithm",
    "alg None (case)": "malformed",
    "alg NONE (case)": "malformed",
    "alg missing": "algorithm",
    "HS256 with the public key PEM as secret": "algorithm",
    "HS256 with the PEM without its newline": "algorithm",
    "HS256 with the JWKS JSON as secret": "algorithm",
    "HS384 with the public key PEM as secret": "algorithm",
    "HS512 with the public key PEM as secret": "algorithm",
    "RS384 with the real key": "algorithm",
    "RS512 with the real key": "algorithm",
    "PS256 with the real key": "algorithm",
    "ES256 with an EC key": "algorithm",
    "header says RS256, signed RS512": "signature",
    "expired": "expired",
    "expired just beyond the leeway": "expired",
    "not yet valid (nbf)": "not_yet_valid",
    "issued in the future (iat)": "not_yet_valid",
    "exp as a string": "DecodeError",
    "wrong issuer": "issuer",
    "issuer with a trailing slash": "issuer",
    "another realm of the same Keycloak": "issuer",
    "wrong audience": "audience",
    "audience list without ours": "audience",
    "audience prefix of ours": "audience",
    "missing exp": "missing_claim",
    "missing iat": "missing_claim",
    "missing iss": "missing_claim",
    "missing aud": "missing_claim",
    "missing sub": "missing_claim",
    "empty sub": "missing_claim",
    "unknown kid, attacker's key": "unknown_kid",
    "real kid, attacker's key": "signature",
    "embedded jwk header with the attacker's key": "signature",
    "jku header pointing at the attacker": "signature",
    "x5u header pointing at the attacker": "signature",
    "signed with the realm's encryption key": "unknown_kid",
    "signed with a 1024-bit key published in the JWKS": "unknown_kid",
    "kid missing": "kid",
    "kid empty": "kid",
    "kid not a string": "malformed",
    "kid too long": "kid",
    "kid ../../etc/passwd": "kid",
    "kid ..\\..\\windows": "kid",
    "kid /dev/null": "kid",
    "kid URL-encoded traversal": "kid",
    "kid URL": "kid",
    "kid file URL": "kid",
    "kid SQL": "kid",
    "kid with a NUL": "kid",
    "kid real plus traversal": "kid",
    "tampered payload": "signature",
    "tampered signature": "signature",
    "signature removed": "malformed",
    "kid swapped after signing": "signature",
    "crit header": "malformed",
    "two parts": "malformed",
    "four parts": "malformed",
    "not base64": "malformed",
    "header not JSON": "malformed",
    "oversized token": "malformed",
    "empty string": "malformed",
}

VALID: dict[str, Callable[[], str]] = {
    "valid RS256 token": lambda: signed(),
    "audience as a list with ours": lambda: signed(claims(aud=["account", AUDIENCE])),
    "no nbf (Keycloak omits it)": lambda: signed(claims(nbf=None)),
    # Relative to the moment of signing, not of import: a slow run must not push it past the leeway.
    "expired within the leeway": lambda: signed(claims(exp=int(time.time()) - 5)),
}

RESULTS: dict[str, list[str]] = {"tried": [], "rejected": [], "accepted": []}


@pytest.fixture(scope="module", autouse=True)
def summary() -> Iterator[None]:
    yield
    tried, rejected = len(RESULTS["tried"]), len(RESULTS["rejected"])
    print(
        f"\nJWT attack suite: {tried} attack cases tried, {rejected} rejected, "
        f"{tried - rejected} accepted; {len(RESULTS['accepted'])} of {len(VALID)} valid tokens accepted"
    )


@pytest.mark.parametrize("name", list(ATTACKS))
def test_an_attack_token_is_rejected(name: str) -> None:
    jwks = FakeJwks()
    verifier = verifier_with(jwks)
    token = ATTACKS[name]()
    RESULTS["tried"].append(name)

    with pytest.raises(TokenRejected) as rejected:
        verifier.verify(token)
    assert rejected.value.details["reason"] == REASONS[name]
    response = verifier.authorize({"type": "REQUEST", "headers": {"authorization": f"Bearer {token}"}})

    assert response["isAuthorized"] is False
    assert token not in json.dumps(response) or not token
    RESULTS["rejected"].append(name)


@pytest.mark.parametrize("name", list(VALID))
def test_a_valid_token_is_accepted(name: str) -> None:
    verifier = verifier_with(FakeJwks())

    verified = verifier.verify(VALID[name]())

    assert verified.subject == "partner-service-account"
    RESULTS["accepted"].append(name)


def test_the_authorizer_answers_in_the_simple_response_format() -> None:
    # An access token of an allowed client with the route's role (the authorizer checks both since issue 16).
    allowed = frozenset({"grushovka-partner"})
    verifier = KeycloakVerifier(ISSUER, AUDIENCE, JWKS_URL, fetch=FakeJwks(), allowed_clients=allowed)
    token = signed(claims(typ="Bearer", realm_access={"roles": ["partner", "operator"]}))
    event = {
        "version": "2.0",
        "type": "REQUEST",
        "routeKey": "GET /internal/customers/{customer_id}",
        "identitySource": [f"Bearer {token}"],
        "headers": {"authorization": f"Bearer {token}"},
    }

    response = authorize(event, verifier=verifier)

    assert response == {
        "isAuthorized": True,
        "context": {
            "sub": "partner-service-account",
            "username": "",
            "client_id": "grushovka-partner",
            "scope": "partners.callback",
            "roles": "partner operator",
        },
    }


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"headers": {}},
        {"headers": {"authorization": "Basic dXNlcjpwYXNz"}},
        {"headers": {"authorization": "Bearer "}},
        {"identitySource": ["Token abc"]},
    ],
)
def test_a_request_without_a_bearer_token_is_not_authorized(event: dict[str, Any]) -> None:
    assert bearer_token(event) is None
    assert verifier_with(FakeJwks()).authorize(event)["isAuthorized"] is False


# --- the key cache ---------------------------------------------------------------------------------------
def test_keys_are_fetched_once_and_cached_by_kid() -> None:
    jwks = FakeJwks()
    verifier = verifier_with(jwks)

    for _ in range(5):
        verifier.verify(signed())

    assert jwks.fetches == [JWKS_URL]


def test_unknown_kids_refetch_at_most_once_per_interval() -> None:
    jwks, clock = FakeJwks(), Clock()
    verifier = verifier_with(jwks, clock)
    verifier.verify(signed())
    clock.now += 61  # the first unknown kid may refetch

    for i in range(20):
        with pytest.raises(TokenRejected):
            verifier.verify(signed(key=ATTACKER, kid=f"forged-{i}"))
        clock.now += 1  # 20 forged kids within 20 s

    assert len(jwks.fetches) == 2  # the first fetch, and one refetch for the first unknown kid
    clock.now += 60
    with pytest.raises(TokenRejected):
        verifier.verify(signed(key=ATTACKER, kid="forged-late"))
    assert len(jwks.fetches) == 3
    print(f"\nJWKS fetches for 1 valid + 21 forged-kid tokens over 80 s: {len(jwks.fetches)}")


def test_a_rotated_key_is_picked_up_by_the_refetch() -> None:
    jwks, clock = FakeJwks(), Clock()
    verifier = verifier_with(jwks, clock)
    verifier.verify(signed())
    jwks.rotated = True
    clock.now += 61

    verified = verifier.verify(signed(key=ROTATED, kid="rotated-2"))

    assert verified.subject == "partner-service-account"
    assert len(jwks.fetches) == 2


def test_a_failing_jwks_endpoint_keeps_the_cached_keys() -> None:
    jwks, clock = FakeJwks(), Clock()
    verifier = verifier_with(jwks, clock)
    verifier.verify(signed())

    def broken(url: str) -> Mapping[str, Any]:
        raise ConnectionError("keycloak down")

    verifier._fetch = broken
    clock.now += 61
    with pytest.raises(TokenRejected):
        verifier.verify(signed(key=ATTACKER, kid="unknown"))

    assert verifier.verify(signed()).subject == "partner-service-account"


def test_a_failing_jwks_endpoint_rejects_when_nothing_is_cached() -> None:
    def broken(url: str) -> Mapping[str, Any]:
        raise ConnectionError("keycloak down")

    verifier = KeycloakVerifier(ISSUER, AUDIENCE, JWKS_URL, fetch=broken)

    assert verifier.authorize({"headers": {"authorization": f"Bearer {signed()}"}})["isAuthorized"] is False


def test_the_verifier_reads_its_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from messenger_bank.security.jwt_authorizer import keycloak_verifier

    monkeypatch.setenv("KEYCLOAK_ISSUER", ISSUER)
    monkeypatch.setenv("KEYCLOAK_AUDIENCE", AUDIENCE)
    monkeypatch.delenv("KEYCLOAK_JWKS_URL", raising=False)
    keycloak_verifier.cache_clear()
    try:
        verifier = keycloak_verifier()
    finally:
        keycloak_verifier.cache_clear()

    assert (verifier.issuer, verifier.audience, verifier.jwks_url) == (ISSUER, AUDIENCE, JWKS_URL)
