"""Keycloak-issued JWTs for the internal HTTP API, and the Lambda authorizer's answer.

``KeycloakVerifier`` accepts a bearer token only when:

- it is three base64url parts of at most 8 KB, with no ``crit`` header;
- its header's ``alg`` is exactly RS256: "none", HS256 (the classic "public key as HMAC secret"
  confusion), ES256, PS256 and everything else are refused before any key is looked at;
- its ``kid`` is a plain identifier (letters, digits, ``-``, ``_``, at most 128): values with path or URL
  tricks ("../", "/", ":", ".", "%") are refused, and a kid is only ever a dictionary key, never a path;
- the key with that ``kid`` is in the issuer's JWKS (RSA, ``use`` sig, at least 2048 bits; Keycloak also
  publishes an ``enc`` key, which is skipped). Keys are cached by ``kid``; an unknown ``kid`` triggers a
  refetch of the JWKS at most once per ``refetch_interval`` seconds (default 60), so a stream of forged
  kids cannot make us hammer Keycloak;
- the signature verifies, and ``iss``, ``aud`` (string or list), ``exp``, ``iat`` are present and right,
  ``nbf`` if present; 30 s leeway; ``iat`` not in the future.

Authentication is not enough to pass ``authorize``: the token must also be an *access* token (``typ``
"Bearer"; Keycloak's ID tokens say "ID" and refresh tokens "Refresh", and an ID token of a client whose id
is our audience would otherwise pass), issued to a client on the allow-list (``azp``), and carry the realm
role its route needs (``security.internal_roles``; a route not named there is refused).

``authorize(event)`` takes an HTTP API (payload format 2.0) REQUEST authorizer event and returns the
simple response (``enableSimpleResponses: true``): ``{"isAuthorized": bool, "context": {...}}``; the
context carries ``sub``, ``client_id`` (``azp``), ``scope`` and ``roles`` (realm roles, space-separated)
for the integration to read as ``$context.authorizer.lambda.*``. Configure the authorizer with
``identitySource: $request.header.Authorization, $context.routeKey`` (the answer is per route, so a cached
yes for one route never opens another) and a result TTL of at most 60 s (a removed role stops working
within a minute).

Environment for ``keycloak_verifier()``: ``KEYCLOAK_ISSUER`` (the realm URL exactly as in tokens, e.g.
``https://sso.bank.example/realms/bank``), ``KEYCLOAK_AUDIENCE`` (the client id our API is registered as),
``KEYCLOAK_ALLOWED_CLIENTS`` (the ``azp`` values let in, comma-separated; none set lets no one in),
optionally ``KEYCLOAK_JWKS_URL`` (default ``<issuer>/protocol/openid-connect/certs``; set it when the
Lambda reaches Keycloak by another address than the issuer's) and ``KEYCLOAK_REFETCH_SECONDS``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from pydantic import BaseModel, ConfigDict

from messenger_bank.security.errors import TokenRejected
from messenger_bank.security.internal_roles import role_for

ALGORITHM: Final = "RS256"
MAX_TOKEN_BYTES: Final = 8192
MAX_JWKS_BYTES: Final = 256 * 1024
MIN_RSA_BITS: Final = 2048
DEFAULT_LEEWAY_S: Final = 30
DEFAULT_REFETCH_INTERVAL_S: Final = 60.0
ACCESS_TOKEN_TYPE: Final = "Bearer"  # noqa: S105 - Keycloak's ``typ`` claim of an access token, not a secret
_KID: Final = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_SEGMENT: Final = re.compile(r"^[A-Za-z0-9_-]+$")

Fetch = Callable[[str], Mapping[str, Any]]


class VerifiedToken(BaseModel):
    """What the API needs from a verified token."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str
    client_id: str | None = None
    scope: str = ""
    roles: tuple[str, ...] = ()
    token_type: str = ""
    expires_at: int
    username: str = ""  # ``preferred_username``: who a person's token is, in an audit record


def httpx_fetch(url: str) -> Mapping[str, Any]:
    """GET the JWKS with a short timeout, no redirects, and a size limit."""
    import httpx

    with httpx.Client(timeout=httpx.Timeout(3.0, connect=2.0), follow_redirects=False) as client:
        response = client.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        if len(response.content) > MAX_JWKS_BYTES:
            raise ValueError("JWKS too large")
        document = response.json()
    if not isinstance(document, dict):
        raise ValueError("JWKS is not an object")
    return document


class KeycloakVerifier:
    """Verifies RS256 JWTs of one Keycloak realm for one audience; see the module doc."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str,
        *,
        fetch: Fetch | None = None,
        leeway: int = DEFAULT_LEEWAY_S,
        refetch_interval: float = DEFAULT_REFETCH_INTERVAL_S,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        allowed_clients: frozenset[str] = frozenset(),
        route_role: Callable[[object], str | None] = role_for,
    ) -> None:
        if not issuer or not audience or not jwks_url:
            raise ValueError("issuer, audience and JWKS URL are all needed")
        self.issuer = issuer
        self.audience = audience
        self.jwks_url = jwks_url
        self._fetch = fetch or httpx_fetch
        self.leeway = leeway
        self.refetch_interval = refetch_interval
        self._clock = clock
        self._monotonic = monotonic
        self._keys: dict[str, RSAPublicKey] = {}
        self._last_fetch: float | None = None
        self._lock = threading.Lock()
        self.allowed_clients = allowed_clients
        self._route_role = route_role

    @classmethod
    def for_keycloak(cls, issuer: str, audience: str, **options: Any) -> KeycloakVerifier:
        return cls(issuer, audience, f"{issuer.rstrip('/')}/protocol/openid-connect/certs", **options)

    # --- keys ---------------------------------------------------------------------------------------
    def _refresh(self) -> None:
        """Refetch the JWKS unless the last fetch was less than `refetch_interval` ago."""
        now = self._monotonic()
        if self._last_fetch is not None and now - self._last_fetch < self.refetch_interval:
            return
        self._last_fetch = now
        try:
            document = self._fetch(self.jwks_url)
        except Exception as exc:  # network, HTTP status, JSON: keep the keys we have
            from messenger_bank.observability import logger

            logger.warning("JWKS fetch failed", extra={"error": type(exc).__name__})
            return
        keys: dict[str, RSAPublicKey] = {}
        for entry in document.get("keys", []) if isinstance(document, Mapping) else []:
            key = _signing_key(entry)
            if key is not None:
                keys[entry["kid"]] = key
        if keys:
            self._keys = keys

    def _key_for(self, kid: str) -> RSAPublicKey:
        with self._lock:
            key = self._keys.get(kid)
            if key is None:
                self._refresh()
                key = self._keys.get(kid)
        if key is None:
            raise TokenRejected("unknown key", reason="unknown_kid")
        return key

    # --- tokens -------------------------------------------------------------------------------------
    def verify(self, token: str) -> VerifiedToken:
        """The verified token's claims; raises ``TokenRejected`` with ``details["reason"]``."""
        kid = self._check_shape(token)
        key = self._key_for(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejected("token expired", reason="expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenRejected("token not yet valid", reason="not_yet_valid") from None
        except jwt.InvalidIssuerError:
            raise TokenRejected("wrong issuer", reason="issuer") from None
        except jwt.InvalidAudienceError:
            raise TokenRejected("wrong audience", reason="audience") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRejected("missing claim", reason="missing_claim", claim=exc.claim) from None
        except jwt.InvalidSignatureError:
            raise TokenRejected("bad signature", reason="signature") from None
        except jwt.PyJWTError as exc:
            raise TokenRejected("token refused", reason=type(exc).__name__) from None
        iat = claims["iat"]
        if not isinstance(iat, int | float) or iat > self._clock() + self.leeway:
            raise TokenRejected("token issued in the future", reason="not_yet_valid")
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise TokenRejected("missing claim", reason="missing_claim", claim="sub")
        realm = claims.get("realm_access")
        roles = realm.get("roles", []) if isinstance(realm, dict) else []
        return VerifiedToken(
            subject=claims["sub"],
            client_id=claims["azp"] if isinstance(claims.get("azp"), str) else None,
            scope=claims["scope"] if isinstance(claims.get("scope"), str) else "",
            roles=tuple(r for r in roles if isinstance(r, str)),
            token_type=claims["typ"] if isinstance(claims.get("typ"), str) else "",
            expires_at=int(claims["exp"]),
            username=claims["preferred_username"] if isinstance(claims.get("preferred_username"), str) else "",
        )

    def _check_shape(self, token: str) -> str:
        """The token's ``kid`` once its shape, algorithm and kid are acceptable."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_BYTES:
            raise TokenRejected("malformed token", reason="malformed")
        parts = token.split(".")
        if len(parts) != 3 or not all(_SEGMENT.match(p) for p in parts):
            # "alg: none" tokens end in an empty signature and stop here too.
            raise TokenRejected("malformed token", reason="malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRejected("malformed token", reason="malformed") from None
        if header.get("alg") != ALGORITHM:
            raise TokenRejected("algorithm not allowed", reason="algorithm")
        if "crit" in header:
            raise TokenRejected("critical header not understood", reason="crit")
        kid = header.get("kid")
        if not isinstance(kid, str) or not _KID.match(kid):
            raise TokenRejected("key id not acceptable", reason="kid")
        return kid

    # --- the Lambda authorizer ------------------------------------------------------------------------
    def authorize(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The HTTP API (payload 2.0) simple response for a REQUEST authorizer event."""
        token = bearer_token(event)
        if token is None:
            return {"isAuthorized": False, "context": {"reason": "no_token"}}
        try:
            verified = self.verify(token)
        except TokenRejected as rejected:
            # Every refusal ``verify`` raises names its reason (a missing one is a bug, not a default).
            return {"isAuthorized": False, "context": {"reason": str(rejected.details["reason"])}}
        refusal = self.refusal(verified, event.get("routeKey"))
        if refusal is not None:
            return {"isAuthorized": False, "context": {"reason": refusal}}
        return {
            "isAuthorized": True,
            "context": {
                "sub": verified.subject,
                "username": verified.username,  # a person's name in an audit record ("" for a system)
                "client_id": verified.client_id or "",
                "scope": verified.scope,
                "roles": " ".join(verified.roles),
            },
        }

    def refusal(self, verified: VerifiedToken, route_key: object) -> str | None:
        """Why an authenticated token may not call `route_key`, or None when it may."""
        if verified.token_type != ACCESS_TOKEN_TYPE:
            return "token_type"
        if verified.client_id not in self.allowed_clients:
            return "client"
        role = self._route_role(route_key)
        if role is None:
            return "route"
        return None if role in verified.roles else "role"


def _signing_key(entry: Any) -> RSAPublicKey | None:
    """The RSA signing key of one JWKS entry, or None when the entry is not one we accept."""
    if not isinstance(entry, Mapping):
        return None
    kid = entry.get("kid")
    if not isinstance(kid, str) or not _KID.match(kid) or entry.get("kty") != "RSA":
        return None
    if entry.get("use", "sig") != "sig" or entry.get("alg", ALGORITHM) != ALGORITHM:
        return None
    try:
        key = jwt.PyJWK.from_json(json.dumps(dict(entry)), algorithm=ALGORITHM).key
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None
    if not isinstance(key, RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        return None
    return key


def bearer_token(event: Mapping[str, Any]) -> str | None:
    """The bearer token of an HTTP API authorizer event (``identitySource`` or the header)."""
    candidates: list[Any] = []
    identity = event.get("identitySource")
    if isinstance(identity, list):
        candidates.extend(identity)
    headers = event.get("headers")
    if isinstance(headers, Mapping):
        candidates.extend(v for k, v in headers.items() if isinstance(k, str) and k.lower() == "authorization")
    for value in candidates:
        if isinstance(value, str):
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


@lru_cache(maxsize=1)
def keycloak_verifier() -> KeycloakVerifier:
    """The verifier from the ``KEYCLOAK_*`` environment of the module doc (once per cold start)."""
    from messenger_bank.security.settings import security_environment

    env = security_environment()
    issuer = env.required("keycloak_issuer")
    return KeycloakVerifier(
        issuer,
        env.required("keycloak_audience"),
        env.keycloak_jwks_url or f"{issuer.rstrip('/')}/protocol/openid-connect/certs",
        refetch_interval=env.keycloak_refetch_seconds or DEFAULT_REFETCH_INTERVAL_S,
        allowed_clients=frozenset(
            client.strip() for client in env.keycloak_allowed_clients.split(",") if client.strip()
        ),
    )


def authorize(event: Mapping[str, Any], *, verifier: KeycloakVerifier | None = None) -> dict[str, Any]:
    """The authorizer Lambda's whole job: ``authorize(event)`` → ``{"isAuthorized": ..., "context": ...}``."""
    return (verifier or keycloak_verifier()).authorize(event)
