"""What every sandbox system shares: a Flask app with fault injection hooks and error shapes."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, jsonify, request

from local.sandbox.faults import FaultInjector

ErrorResponder = Callable[[int, str, str], Response]


class ApiError(Exception):
    """A business or protocol error a handler raises; the system's responder shapes it."""

    def __init__(self, status: int, code: str, message: str = "", **extra: Any) -> None:
        super().__init__(message or code)
        self.status = status
        self.code = code
        self.message = message or code
        self.extra = extra


def json_error(status: int, code: str, message: str, **extra: Any) -> Response:
    response = jsonify({"error": {"code": code, "message": message, **extra}})
    response.status_code = status
    return response


def soap_action_endpoint() -> str:
    """The SOAP operation named by the SOAPAction header (its last path segment)."""
    action = request.headers.get("SOAPAction", "").strip('"')
    return action.rsplit("/", 1)[-1] or "unknown"


def make_app(
    system: str,
    faults: FaultInjector,
    responder: ErrorResponder | None = None,
    endpoint_of: Callable[[], str] | None = None,
    malformed_body: bytes = b'{"truncated": ',
) -> Flask:
    """A Flask app whose every request goes through the fault injector first."""
    app = Flask(f"sandbox-{system}")
    app.config["MAX_CONTENT_LENGTH"] = 1 << 20
    respond: ErrorResponder = responder or (lambda status, code, message: json_error(status, code, message))

    @app.before_request
    def inject_faults() -> Response | None:
        endpoint = endpoint_of() if endpoint_of else (request.endpoint or "unknown")
        decision = faults.decide(system, endpoint)
        if decision.latency_s:
            time.sleep(decision.latency_s)
        if decision.error:
            return respond(503, "injected_error", f"injected error on {system}.{endpoint}")
        if decision.hang_s is not None:
            time.sleep(decision.hang_s)
            return respond(504, "injected_timeout", f"injected timeout on {system}.{endpoint}")
        g.fail_after_commit = decision.after_commit
        g.malformed = decision.malformed
        return None

    @app.after_request
    def fail_after_commit(response: Response) -> Response:
        if getattr(g, "fail_after_commit", False) and response.status_code < 400:
            return respond(500, "injected_failure_after_commit", f"injected failure after commit on {system}")
        if getattr(g, "malformed", False) and response.status_code < 400:
            response.set_data(malformed_body)
        return response

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        if error.extra and responder is None:
            return json_error(error.status, error.code, error.message, **error.extra)
        return respond(error.status, error.code, error.message)

    @app.errorhandler(404)
    def not_found(_: Exception) -> Response:
        return respond(404, "not_found", "no such resource")

    @app.errorhandler(405)
    def not_allowed(_: Exception) -> Response:
        return respond(405, "method_not_allowed", "method not allowed")

    return app


def constant_time_equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def require_basic(expected: tuple[str, str], realm: str) -> Response | None:
    """None when the request carries the expected Basic credentials, else a 401 challenge."""
    auth = request.authorization
    if (
        auth is not None
        and auth.type == "basic"
        and constant_time_equal(auth.username or "", expected[0])
        and constant_time_equal(auth.password or "", expected[1])
    ):
        return None
    return Response(
        "Unauthorized",
        status=401,
        headers={"WWW-Authenticate": f'Basic realm="{realm}"'},
        mimetype="text/plain",
    )


def require_api_key(expected: str) -> None:
    given = request.headers.get("X-API-Key", "")
    if not given or not constant_time_equal(given, expected):
        raise ApiError(401, "invalid_api_key", "missing or wrong X-API-Key")


def body_json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", "a JSON object body is required")
    return data
