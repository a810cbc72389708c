"""The API Gateway front: the HTTP API's routes from template.yaml, each request turned into the
payload-format-2.0 event API Gateway builds, the function's answer turned back into HTTP.

Like an HTTP API: an unknown route answers 404 `{"message":"Not Found"}`, a known path with another
method 405, a failing function 500 `{"message":"Internal Server Error"}`, an integration that takes
longer than 30 s 503, a body over 10 MB 413.
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from local.cloud.provision import Authorizer, Route
from local.cloud.runner import Invocation

MAX_BODY_BYTES = 10 * 1024 * 1024
INTEGRATION_TIMEOUT_S = 30.0
# API Gateway treats these as text; any other body reaches the function base64-encoded.
_TEXT_TYPES = re.compile(r"^(text/.*|application/(json|xml|javascript|x-www-form-urlencoded)|.*\+json|.*\+xml)")

Invoke = Callable[[str, bytes], Invocation]


@dataclass(frozen=True)
class _CompiledRoute:
    route: Route
    pattern: re.Pattern[str]
    names: tuple[str, ...]

    @property
    def route_key(self) -> str:
        return f"{self.route.method} {self.route.path}"


def _compile(route: Route) -> _CompiledRoute:
    names: list[str] = []
    pattern = ""
    for part in re.split(r"(\{[^}]+\})", route.path):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            greedy = name.endswith("+")
            names.append(name.rstrip("+"))
            pattern += "(.+)" if greedy else "([^/]+)"
        else:
            pattern += re.escape(part)
    return _CompiledRoute(route, re.compile(f"^{pattern}$"), tuple(names))


def _specificity(compiled: _CompiledRoute) -> tuple[int, int]:
    # API Gateway prefers the most specific match: fewer variables, then longer literal text.
    return (len(compiled.names), -len(compiled.route.path))


def build_event(request: Request, compiled: _CompiledRoute, match: re.Match[str], api_id: str) -> dict[str, Any]:
    body = request.get_data(cache=True)
    content_type = request.headers.get("content-type", "")
    is_text = bool(_TEXT_TYPES.match(content_type)) and _is_utf8(body)
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    query: dict[str, str] = {}
    for name, values in request.args.lists():
        query[name] = ",".join(values)
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": compiled.route_key,
        "rawPath": request.path,
        "rawQueryString": request.query_string.decode("latin-1"),
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": api_id,
            "domainName": request.host,
            "domainPrefix": request.host.split(".", 1)[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("user-agent", ""),
            },
            "requestId": base64.b32encode(uuid.uuid4().bytes).decode()[:16],
            "routeKey": compiled.route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": bool(body) and not is_text,
    }
    if request.cookies:
        event["cookies"] = [f"{k}={v}" for k, v in request.cookies.items()]
        headers.pop("cookie", None)
    if query:
        event["queryStringParameters"] = query
    if compiled.names:
        event["pathParameters"] = dict(zip(compiled.names, match.groups(), strict=True))
    if body:
        event["body"] = body.decode() if is_text else base64.b64encode(body).decode()
    return event


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def authorizer_event(event: dict[str, Any], authorizer: Authorizer) -> dict[str, Any]:
    """The REQUEST authorizer event of payload format 2.0: the route's event plus its identity."""
    headers = event.get("headers", {})
    return {
        **{key: value for key, value in event.items() if key not in ("body", "isBase64Encoded")},
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:local:123456789012:{event['requestContext']['apiId']}/$default/"
        f"{event['requestContext']['http']['method']}{event['rawPath']}",
        "identitySource": [headers[name] for name in authorizer.identity_headers if name in headers],
    }


def _message(status: int, message: str) -> Response:
    return Response(json.dumps({"message": message}), status=status, content_type="application/json")


def _policy_allows(answer: dict[str, Any]) -> bool:
    """An IAM-policy answer (simple responses off): allowed when a statement allows execute-api:Invoke."""
    statements = answer.get("policyDocument", {}).get("Statement", [])
    return any(s.get("Effect") == "Allow" for s in statements) and not any(
        s.get("Effect") == "Deny" for s in statements
    )


def to_response(result: Any) -> Response:
    """Format 2.0: a dict with statusCode is the response; anything else is a 200 JSON body."""
    if isinstance(result, dict) and "statusCode" in result:
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
        response = Response(data, status=int(result["statusCode"]))
        response.headers.pop("content-type", None)
        for name, value in (result.get("headers") or {}).items():
            response.headers[name] = str(value)
        for cookie in result.get("cookies") or []:
            response.headers.add("set-cookie", cookie)
        if "content-type" not in response.headers:  # case-insensitive
            response.headers["content-type"] = "application/json"
        return response
    return Response(json.dumps(result), status=200, content_type="application/json")


class ApiFront:
    def __init__(self, routes: list[Route], invoke: Invoke, *, host: str, port: int) -> None:
        self._routes = sorted((_compile(r) for r in routes), key=_specificity)
        self._invoke = invoke
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="integration")
        self._server: BaseWSGIServer = make_server(host, port, self._app, threaded=True)
        self.port = self._server.server_port
        self.base_url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="api-front", daemon=True)

    def start(self) -> ApiFront:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _match(self, method: str, path: str) -> tuple[_CompiledRoute, re.Match[str]] | bool | None:
        path_known = False
        for compiled in self._routes:
            match = compiled.pattern.match(path)
            if match is None:
                continue
            path_known = True
            if compiled.route.method in (method, "ANY"):
                return compiled, match
        return path_known

    def _authorize(self, authorizer: Authorizer, event: dict[str, Any]) -> Response | None:
        """As API Gateway does: no identity → 401; the authorizer says no → 403; it fails → 500.
        On yes, its context reaches the function as requestContext.authorizer.lambda."""
        request = authorizer_event(event, authorizer)
        if len(request["identitySource"]) < len(authorizer.identity_headers):
            return _message(401, "Unauthorized")
        try:
            invocation = self._invoke(authorizer.function_name, json.dumps(request).encode())
        except Exception:
            return _message(500, "Internal Server Error")
        answer = invocation.json() if not invocation.function_error else None
        if not isinstance(answer, dict):
            return _message(500, "Internal Server Error")
        allowed = answer.get("isAuthorized") if authorizer.simple_responses else _policy_allows(answer)
        if not allowed:
            return _message(403, "Forbidden")
        event["requestContext"]["authorizer"] = {"lambda": answer.get("context") or {}}
        return None

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return _message(413, "Request Entity Too Large")
        found = self._match(request.method, request.path)
        if found is False:
            return _message(404, "Not Found")
        if found is True or found is None:
            return _message(405, "Method Not Allowed")
        compiled, match = found
        event = build_event(request, compiled, match, compiled.route.api_id)
        authorizer = compiled.route.authorizer
        if authorizer is not None:
            denied = self._authorize(authorizer, event)
            if denied is not None:
                return denied
        future = self._pool.submit(self._invoke, compiled.route.function_name, json.dumps(event).encode())
        try:
            invocation = future.result(timeout=INTEGRATION_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            return _message(503, "Service Unavailable")
        except Exception:
            return _message(500, "Internal Server Error")
        if invocation.function_error:
            return _message(500, "Internal Server Error")
        try:
            return to_response(invocation.json())
        except (ValueError, TypeError):
            return _message(500, "Internal Server Error")
