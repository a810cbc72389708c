"""A Keycloak-compatible token issuer: client-credentials grant (services), password grant (the realm's users,
through a client allowed direct access grants), RS256, JWKS, OpenID configuration.

The RSA key is generated at first start and kept under the state dir, so tokens and JWKS survive a
restart. Paths are Keycloak's own: /realms/{realm}/protocol/openid-connect/{token,certs} and
/realms/{realm}/.well-known/openid-configuration.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, jsonify, request
from jwt.algorithms import RSAAlgorithm

from local.sandbox.common import constant_time_equal, make_app
from local.sandbox.config import SandboxConfig
from local.sandbox.faults import FaultInjector


def load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError(f"{path} does not hold an RSA private key")
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return key


class TokenIssuer:
    """Issues and verifies the realm's tokens; ``revoke_all`` makes every token issued so far invalid."""

    def __init__(self, key_path: Path, config: SandboxConfig) -> None:
        self.config = config
        self.key = load_or_create_key(key_path)
        numbers = self.key.public_key().public_numbers()
        n_bytes = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(n_bytes).digest()).rstrip(b"=").decode()[:32]
        self.issuer_url = ""  # set once the server knows its port
        self._not_before = 0.0
        self._lifetime = config.token_lifetime_seconds
        self._lock = threading.Lock()

    def set_lifetime(self, seconds: int) -> None:
        with self._lock:
            self._lifetime = seconds

    def revoke_all(self) -> None:
        with self._lock:
            self._not_before = time.time()

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def issue(self, client_id: str, scope: str, *, username: str | None = None) -> dict[str, Any]:
        """Keycloak's client-credentials answer: an access token (``typ`` Bearer, the client's realm roles);
        with the ``openid`` scope also an ID token (``typ`` ID, ``aud`` the client itself), as Keycloak does.
        With ``username`` (the password grant), the token is that user's: their id, name and realm roles."""
        issued = time.time()
        with self._lock:
            lifetime = self._lifetime
        if username is None:
            roles = list(self.config.keycloak_client_roles.get(client_id, ()))
            subject = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.issuer_url}/clients/{client_id}"))
            audience = list(self.config.token_audience)
        else:
            roles = list(self.config.keycloak_users[username][1])
            subject = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.issuer_url}/users/{username}"))
            audience = list(self.config.keycloak_user_audience)
        claims = {
            "iss": self.issuer_url,
            "sub": subject,
            "aud": audience,
            "azp": client_id,
            "typ": "Bearer",
            "iat": int(issued),
            "nbf": int(issued),
            "exp": int(issued) + lifetime,
            "jti": str(uuid.uuid4()),
            "scope": scope,
            "clientId": client_id,
            "preferred_username": username or f"service-account-{client_id}",
            "realm_access": {"roles": roles},
            # Sub-second issue time, so that revoke_all() refuses tokens issued in the same second before it.
            "sandbox_iat_ms": int(issued * 1000),
        }
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        answer = {
            "access_token": token,
            "expires_in": lifetime,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": scope,
        }
        if "openid" in scope.split():
            id_claims = {**claims, "typ": "ID", "aud": client_id, "jti": str(uuid.uuid4())}
            answer["id_token"] = jwt.encode(id_claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        return answer

    def verify(self, token: str, audience: str) -> dict[str, Any]:
        """The token's claims; jwt.InvalidTokenError unless it is ours, valid and for ``audience``."""
        claims: dict[str, Any] = jwt.decode(
            token,
            self.key.public_key(),
            algorithms=["RS256"],
            audience=audience,
            issuer=self.issuer_url,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
        with self._lock:
            not_before = self._not_before
        if claims.get("sandbox_iat_ms", 0) / 1000.0 < not_before:
            raise jwt.InvalidTokenError("token revoked")
        return claims


def oauth_error(status: int, error: str, description: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    return response


def create_app(issuer: TokenIssuer, faults: FaultInjector) -> Flask:
    app = make_app("keycloak", faults, responder=lambda status, code, message: oauth_error(status, code, message))
    realm = issuer.config.realm

    @app.get(f"/realms/{realm}/.well-known/openid-configuration")
    def openid_configuration() -> Response:
        base = issuer.issuer_url
        return jsonify(
            {
                "issuer": base,
                "token_endpoint": f"{base}/protocol/openid-connect/token",
                "jwks_uri": f"{base}/protocol/openid-connect/certs",
                "grant_types_supported": ["client_credentials", "password"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["token"],
                "subject_types_supported": ["public"],
            }
        )

    @app.get(f"/realms/{realm}/protocol/openid-connect/certs")
    def certs() -> Response:
        return jsonify(issuer.jwks())

    @app.get(f"/realms/{realm}")
    def realm_info() -> Response:
        return jsonify({"realm": realm, "token-service": f"{issuer.issuer_url}/protocol/openid-connect"})

    @app.post(f"/realms/{realm}/protocol/openid-connect/token")
    def token() -> Response:
        form = request.form
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        auth = request.authorization
        if auth is not None and auth.type == "basic":
            client_id, secret = auth.username or "", auth.password or ""
        grant = form.get("grant_type")
        if grant not in ("client_credentials", "password"):
            return oauth_error(400, "unsupported_grant_type", "Unsupported grant_type")
        expected = issuer.config.keycloak_clients.get(client_id)
        if expected is None or not constant_time_equal(secret, expected):
            return oauth_error(401, "unauthorized_client", "Invalid client or Invalid client credentials")
        scope = form.get("scope", "profile email")
        if grant == "client_credentials":
            return jsonify(issuer.issue(client_id, scope))
        if client_id not in issuer.config.keycloak_password_clients:
            return oauth_error(400, "unauthorized_client", "Client not allowed for direct access grants")
        username = form.get("username", "")
        user = issuer.config.keycloak_users.get(username)
        # The same answer for an unknown user and a wrong password, as Keycloak gives.
        if user is None or not constant_time_equal(form.get("password", ""), user[0]):
            return oauth_error(401, "invalid_grant", "Invalid user credentials")
        return jsonify(issuer.issue(client_id, scope, username=username))

    return app


def protect(app: Flask, issuer: TokenIssuer, audience: str) -> None:
    """Every request of ``app`` needs a valid bearer token of the realm for ``audience``."""

    @app.before_request
    def require_token() -> Response | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        error = "invalid_request"
        if scheme.lower() == "bearer" and token:
            try:
                issuer.verify(token.strip(), audience)
                return None
            except jwt.InvalidTokenError:
                error = "invalid_token"
        response = jsonify({"error": {"code": error, "message": "a valid bearer token is required"}})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = f'Bearer realm="{issuer.config.realm}", error="{error}"'
        return response
