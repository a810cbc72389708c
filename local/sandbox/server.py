"""Starts every sandbox system on its own threaded server and the directory that lists them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from local.sandbox import acquirer, billing, cerberus, core, keycloak, network, partners, passport
from local.sandbox.common import json_error
from local.sandbox.config import DEFAULT_PORTS, PARTNERS, SYSTEMS, SandboxConfig
from local.sandbox.faults import Fault, FaultInjector
from local.sandbox.ledger import Bank


class QuietHandler(WSGIRequestHandler):
    """No access log line per request (tests and demos make thousands); errors still go to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@dataclass
class Sandbox:
    """A running sandbox bank. ``urls`` maps each system to its base URL; ``stop()`` ends it."""

    host: str
    state_dir: Path
    config: SandboxConfig
    bank: Bank
    issuer: keycloak.TokenIssuer
    faults: FaultInjector
    acquirer: acquirer.Acquirer | None = None
    network: network.CardNetwork | None = None
    urls: dict[str, str] = field(default_factory=dict)
    _servers: list[tuple[BaseWSGIServer, threading.Thread]] = field(default_factory=list)

    @property
    def directory_url(self) -> str:
        return self.urls["directory"] + "/"

    def credentials(self) -> dict[str, str]:
        """The wrapper's credentials for this sandbox, by the names messenger_bank.banking.credentials reads."""
        client_id, client_secret = next(iter(self.config.keycloak_clients.items()))
        values = {
            "keycloak-client-id": client_id,
            "keycloak-client-secret": client_secret,
            "passport-username": self.config.passport_credentials[0],
            "passport-password": self.config.passport_credentials[1],
            "billing-username": self.config.billing_credentials[0],
            "billing-password": self.config.billing_credentials[1],
            "acquirer-api-key": self.config.acquirer_api_key,
            "acquirer-callback-secret": self.config.acquirer_callback_secret,
        }
        values.update({f"partner-{p}-api-key": key for p, key in self.config.partner_api_keys.items()})
        return values

    def directory(self) -> dict[str, Any]:
        realm = f"{self.urls['keycloak']}/realms/{self.config.realm}"
        return {
            "name": "messenger-bank-sandbox",
            "systems": {
                "keycloak": {
                    "base_url": self.urls["keycloak"],
                    "realm": self.config.realm,
                    "issuer": realm,
                    "token_url": f"{realm}/protocol/openid-connect/token",
                    "jwks_url": f"{realm}/protocol/openid-connect/certs",
                    "openid_configuration_url": f"{realm}/.well-known/openid-configuration",
                    "protocol": "oauth2",
                },
                "passport": {
                    "base_url": self.urls["passport"] + passport.PATH,
                    "wsdl_url": self.urls["passport"] + passport.PATH + "?wsdl",
                    "protocol": "soap11",
                    "auth": "basic",
                },
                "cerberus": {"base_url": self.urls["cerberus"], "protocol": "rest", "auth": "keycloak"},
                "core": {"base_url": self.urls["core"], "protocol": "rest", "auth": "keycloak"},
                "billing": {
                    "base_url": self.urls["billing"] + billing.PATH,
                    "wsdl_url": self.urls["billing"] + billing.PATH + "?wsdl",
                    "protocol": "soap11",
                    "auth": "basic",
                },
                "acquirer": {"base_url": self.urls["acquirer"], "protocol": "rest", "auth": "api_key"},
                "partners": {
                    "base_url": self.urls["partners"],
                    "protocol": "rest",
                    "auth": "api_key",
                    "partners": {p: f"{self.urls['partners']}/{p}" for p in PARTNERS},
                },
                "network": {
                    "base_url": self.urls["network"],
                    "protocol": "rest",
                    "auth": "none",
                    "cards_url": self.urls["network"] + "/network/cards",
                    "purchases_url": self.urls["network"] + "/network/purchases",
                    "authorizations_url": self.urls["network"] + "/network/authorizations",
                },
            },
            "admin_url": self.urls["directory"] + "/admin",
        }

    def ledger(self) -> dict[str, Any]:
        return self.bank.totals()

    def stop(self) -> None:
        for server, _ in self._servers:
            server.shutdown()
        for server, thread in self._servers:
            thread.join(timeout=5)
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def directory_app(sandbox: Sandbox) -> Flask:
    """The directory (GET /) and the admin API: faults, ledger figures, token revocation."""
    app = Flask("sandbox-directory")

    @app.get("/")
    def index() -> Response:
        return jsonify(sandbox.directory())

    @app.get("/admin/faults")
    def get_faults() -> Response:
        return jsonify({"rules": sandbox.faults.rules(), "injected": sandbox.faults.counts()})

    @app.put("/admin/faults")
    def put_fault() -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return json_error(400, "invalid_request", "a JSON object is required")
        system, endpoint = str(body.pop("system", "*")), str(body.pop("endpoint", "*"))
        try:
            fault = Fault.from_json(body)
        except (TypeError, ValueError) as error:
            return json_error(400, "invalid_request", str(error))
        sandbox.faults.set(system, endpoint, fault)
        return jsonify({"rules": sandbox.faults.rules()})

    @app.delete("/admin/faults")
    def delete_faults() -> Response:
        sandbox.faults.clear(request.args.get("system"))
        return jsonify({"rules": sandbox.faults.rules()})

    @app.get("/admin/systems")
    def systems_down() -> Response:
        return jsonify({"down": sandbox.faults.down_systems()})

    @app.put("/admin/systems/<system>/<state>")
    def system_down_or_up(system: str, state: str) -> Response:
        if system not in sandbox.urls or system == "directory" or state not in ("down", "up"):
            return json_error(404, "not_found", "PUT /admin/systems/<system>/down or /up, a system of the directory")
        (sandbox.faults.down if state == "down" else sandbox.faults.up)(system)
        return jsonify({"down": sandbox.faults.down_systems()})

    @app.post("/admin/faults/realistic")
    def realistic() -> Response:
        sandbox.faults.realistic()
        return jsonify({"rules": sandbox.faults.rules()})

    @app.get("/admin/ledger")
    def ledger() -> Response:
        return jsonify(sandbox.ledger())

    @app.post("/admin/keycloak/revoke")
    def revoke() -> Response:
        sandbox.issuer.revoke_all()
        return jsonify({"revoked": True})

    @app.put("/admin/keycloak/token-lifetime")
    def lifetime() -> Response:
        body = request.get_json(silent=True) or {}
        seconds = body.get("seconds")
        if not isinstance(seconds, int) or seconds < 1:
            return json_error(400, "invalid_request", "seconds is a positive integer")
        sandbox.issuer.set_lifetime(seconds)
        return jsonify({"seconds": seconds})

    @app.put("/admin/acquirer/callback-url")
    def callback_url() -> Response:
        body = request.get_json(silent=True) or {}
        assert sandbox.acquirer is not None
        sandbox.acquirer.callback_url_override = body.get("url") or None
        return jsonify({"url": sandbox.acquirer.callback_url_override})

    @app.put("/admin/network/events-url")
    def network_events_url() -> Response:
        body = request.get_json(silent=True) or {}
        assert sandbox.network is not None
        sandbox.network.events_url_override = body.get("url") or None
        return jsonify({"url": sandbox.network.events_url_override})

    return app


def start_sandbox(
    state_dir: Path,
    host: str = "127.0.0.1",
    ports: dict[str, int] | None = None,
    config: SandboxConfig | None = None,
    seed: int | None = None,
) -> Sandbox:
    """Start the sandbox bank in background threads; ``ports`` overrides DEFAULT_PORTS (0 = any free port).

    State (the SQLite ledger, the realm's RSA key, the PIN key) lives in ``state_dir`` and survives
    restarts.
    """
    config = config or SandboxConfig()
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    chosen = {**DEFAULT_PORTS, **(ports or {})}
    unknown = set(chosen) - set(SYSTEMS)
    if unknown:
        raise ValueError(f"unknown systems in ports: {sorted(unknown)}")
    bank = Bank(state_dir / "sandbox.db", config)
    issuer = keycloak.TokenIssuer(state_dir / "keys" / f"realm-{config.realm}.pem", config)
    faults = FaultInjector(seed=seed)
    sandbox = Sandbox(host=host, state_dir=state_dir, config=config, bank=bank, issuer=issuer, faults=faults)

    def url_of(system: str) -> Any:
        return lambda: sandbox.urls[system]

    acquirer_app, sandbox.acquirer = acquirer.create_app(bank, faults, url_of("acquirer"))
    sandbox.network = network.CardNetwork(bank, issuer)
    apps: dict[str, Flask] = {
        "keycloak": keycloak.create_app(issuer, faults),
        "directory": directory_app(sandbox),
        "passport": passport.create_app(config, faults, url_of("passport")),
        "cerberus": cerberus.create_app(bank, issuer, faults),
        "core": core.create_app(bank, issuer, faults, state_dir / "keys" / "pin-encryption.pem"),
        "billing": billing.create_app(bank, faults, url_of("billing")),
        "acquirer": acquirer_app,
        "partners": partners.create_app(config, faults),
        "network": network.create_app(sandbox.network, faults),
    }
    try:
        for system in SYSTEMS:
            server = make_server(host, chosen[system], apps[system], threaded=True, request_handler=QuietHandler)
            sandbox.urls[system] = f"http://{host}:{server.server_port}"
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sandbox-{system}", daemon=True
            )
            sandbox._servers.append((server, thread))
    except BaseException:
        for server, _ in sandbox._servers:
            server.server_close()
        raise
    issuer.issuer_url = f"{sandbox.urls['keycloak']}/realms/{config.realm}"
    for _, thread in sandbox._servers:
        thread.start()
    return sandbox
