"""Who may act in the operations view: a person of the bank's Keycloak realm with the `operator` realm role.

Signing in is Keycloak's password grant through the operators' client (`operator-console`, a confidential
client allowed direct access grants); the access token it answers is kept in the browser only as an
HttpOnly, SameSite=Strict cookie. Every action verifies that token as the internal API's authorizer does
(`messenger_bank.security.jwt_authorizer.KeycloakVerifier`: RS256 only, the realm's JWKS, issuer, audience
`operations-view`, expiry, an access token of the operators' client) and then asks for the role.

A request that carries the cookie is a browser's, so it must also come from this page: its Origin (or,
lacking one, its Referer) is the view's own, and it presents the CSRF token the page got from
`GET /api/session` (an HMAC of the session's token under a key of this process), in `X-CSRF-Token`. A
request with `Authorization: Bearer` instead (a script) needs neither: no browser attaches that header by
itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from messenger_bank.security.errors import TokenRejected
from messenger_bank.security.jwt_authorizer import Fetch, KeycloakVerifier, VerifiedToken

SESSION_COOKIE: Final = "ops_session"
CSRF_HEADER: Final = "X-CSRF-Token"
OPERATOR_ROLE: Final = "operator"
AUDIENCE: Final = "operations-view"
OPERATORS_CLIENT: Final = "operator-console"


@dataclass(frozen=True)
class OperatorSignIn:
    """Where the operations view signs operators in."""

    issuer: str  # the realm URL exactly as in its tokens, e.g. https://sso.bank.example/realms/bank
    client_id: str
    client_secret: str
    audience: str = AUDIENCE
    role: str = OPERATOR_ROLE

    @property
    def token_url(self) -> str:
        return f"{self.issuer.rstrip('/')}/protocol/openid-connect/token"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer.rstrip('/')}/protocol/openid-connect/certs"


@dataclass(frozen=True)
class Operator:
    name: str  # preferred_username, else the subject
    subject: str
    roles: tuple[str, ...]
    expires_at: int


class Refused(Exception):
    """An action or a sign-in refused: the HTTP status and a reason the page may show (never a token)."""

    def __init__(self, status: int, reason: str, who: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.who = who


Post = Callable[[str, dict[str, str]], tuple[int, dict[str, Any]]]


def httpx_post(url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    import httpx

    response = httpx.post(url, data=form, timeout=httpx.Timeout(5.0, connect=2.0), follow_redirects=False)
    try:
        body = response.json()
    except ValueError:
        body = {}
    return response.status_code, body if isinstance(body, dict) else {}


class Operators:
    def __init__(
        self,
        sign_in: OperatorSignIn,
        *,
        fetch: Fetch | None = None,
        post: Post | None = None,
        csrf_key: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = sign_in
        self._post = post or httpx_post
        self._csrf_key = csrf_key or secrets.token_bytes(32)
        self.verifier = KeycloakVerifier(
            sign_in.issuer,
            sign_in.audience,
            sign_in.jwks_url,
            fetch=fetch,
            clock=clock,
            allowed_clients=frozenset({sign_in.client_id}),
            route_role=lambda _action: sign_in.role,  # every action asks for the same role
        )

    def sign_in(self, username: str, password: str) -> tuple[str, int]:
        """The person's access token and its lifetime in seconds; `Refused` 401 on wrong credentials."""
        if not username or not password:
            raise Refused(400, "username and password are needed")
        status, body = self._post(
            self.config.token_url,
            {
                "grant_type": "password",
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "username": username,
                "password": password,
                "scope": "openid",
            },
        )
        token = body.get("access_token")
        if status != 200 or not isinstance(token, str):
            raise Refused(401, "wrong username or password" if status in (400, 401) else "sign-in is unavailable")
        return token, int(body.get("expires_in", 300))

    def _verified(self, token: str) -> VerifiedToken:
        try:
            return self.verifier.verify(token)
        except TokenRejected as rejected:
            raise Refused(401, f"token refused: {rejected.details.get('reason', 'invalid')}") from None

    @staticmethod
    def _person(verified: VerifiedToken) -> Operator:
        return Operator(
            name=verified.username or verified.subject,
            subject=verified.subject,
            roles=verified.roles,
            expires_at=verified.expires_at,
        )

    def who(self, token: str) -> Operator:
        """The signed-in person (any role); `Refused` 401 with the reason when the token is not good."""
        return self._person(self._verified(token))

    def operator(self, token: str) -> Operator:
        """The person, when they may act; `Refused` 401 (token) or 403 (not an operator's access token)."""
        verified = self._verified(token)
        refusal = self.verifier.refusal(verified, "operator action")
        if refusal is not None:
            reason = f"the {self.config.role} role is needed" if refusal == "role" else f"token refused: {refusal}"
            raise Refused(403, reason, who=verified.username or verified.subject)
        return self._person(verified)

    def csrf_token(self, token: str) -> str:
        return hmac.new(self._csrf_key, token.encode(), hashlib.sha256).hexdigest()

    def csrf_matches(self, token: str, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(self.csrf_token(token), presented or "")


def same_origin(origin: str | None, referer: str | None, own: str) -> bool:
    """A browser's state-changing request is this page's: its Origin, or lacking one its Referer, is `own`
    (scheme://host:port)."""
    own = own.rstrip("/")
    if origin:
        return origin.rstrip("/") == own
    if referer:
        return referer == own or referer.startswith(own + "/")
    return False
