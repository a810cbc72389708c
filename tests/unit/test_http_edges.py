"""Every function behind the HTTP API, through its Lambda handler: the payload 2.0 event reaches the route API Gateway
matched (by its ``routeKey``, the template's path with its {names}), the domain gets the request typed (the body as
the bytes sent, base64 or not), and every answer, the edge's own refusals included, has the one shape."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from local.cloud.template import load_template_text
from messenger_bank.http import HttpAnswer, HttpRequest, HttpRoutes, short_answer
from tests.support.functions import handler_module

ROOT = Path(__file__).resolve().parents[2]


def http_routes() -> dict[str, list[tuple[str, str]]]:
    """Function directory -> its (method, path) routes on the HTTP API, as template.yaml declares them."""
    resources = load_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))["Resources"]
    routes: dict[str, list[tuple[str, str]]] = {}
    for resource in resources.values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for source in (resource["Properties"].get("Events") or {}).values():
            if source["Type"] == "HttpApi":
                code = Path(resource["Properties"]["CodeUri"]).name
                routes.setdefault(code, []).append((source["Properties"]["Method"], source["Properties"]["Path"]))
    return routes


ROUTES = http_routes()


function = handler_module


class _Context:
    function_name = "edge"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:eu-central-1:000000000000:function:edge"
    aws_request_id = "req-1"


def event(method: str, route: str, *, body: bytes = b"", base64_body: bool = False, **extra: Any) -> dict[str, Any]:
    """The event API Gateway sends for a request it matched to `route` (the template's path, {names} and all)."""
    path = concrete(route)
    built: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"Content-Type": "application/json", "X-Signature": "s"},
        "requestContext": {"http": {"method": method, "path": path}, "routeKey": f"{method} {route}"},
        "isBase64Encoded": base64_body,
        **extra,
    }
    if body:
        built["body"] = base64.b64encode(body).decode() if base64_body else body.decode()
    return built


HANDOFF = "abcdabcdabcdabcdabcdabcdabcdabcd"


def concrete(route: str) -> str:
    return route.replace("{purpose}", "pin").replace("{customer_id}", "cus_1").replace("{handoff_id}", HANDOFF)


EDGE_CALLS = {
    # function -> the name of the domain callable its route calls
    "telegram_webhook": "accept_update",
    "viber_webhook": "accept_update",
    "whatsapp_webhook": "accept_update",
    "messenger_webhook": "accept_update",
    "secure_page": "handle",
    "acquirer_callback": "accept_acquirer_callback",
    "plastic_events": "accept_status_event",
    "card_events": "accept_card_event",
}


def test_every_function_behind_the_http_api_is_checked_here() -> None:
    assert set(ROUTES) == set(EDGE_CALLS) | {"operator_lookup", "operator_inbox"}


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_a_function_serves_exactly_the_routes_the_template_gives_it(name: str) -> None:
    assert function(name).routes.route_keys == {f"{method} {path}" for method, path in ROUTES[name]}


def test_a_route_key_is_served_by_one_route_only() -> None:
    routes = HttpRoutes()
    routes.route("POST /webhooks/telegram")(lambda _request, _context: short_answer(200, ""))

    with pytest.raises(ValueError, match="POST /webhooks/telegram is served already"):
        routes.route("POST /webhooks/telegram")(lambda _request, _context: short_answer(200, ""))


def capture(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> list[HttpRequest]:
    seen: list[HttpRequest] = []

    def domain(*args: Any, **_kw: Any) -> HttpAnswer:
        seen.append(next(a for a in args if isinstance(a, HttpRequest)))
        return HttpAnswer(status=202, body="{}")

    monkeypatch.setattr(module, name, domain)
    return seen


@pytest.mark.parametrize("base64_body", [False, True], ids=["text", "base64"])
@pytest.mark.parametrize("name", sorted(EDGE_CALLS))
def test_the_domain_gets_the_bytes_sent(monkeypatch: pytest.MonkeyPatch, name: str, base64_body: bool) -> None:
    module = function(name)
    seen = capture(monkeypatch, module, EDGE_CALLS[name])
    body = json.dumps({"text": "Привет"}, ensure_ascii=False).encode()
    route = next(p for m, p in ROUTES[name] if m == "POST")

    answer = module.lambda_handler(event("POST", route, body=body, base64_body=base64_body), _Context())

    assert answer["statusCode"] == 202
    assert [(r.method, r.body, r.headers["x-signature"]) for r in seen] == [("POST", body, "s")]


@pytest.mark.parametrize("name", sorted(EDGE_CALLS))
def test_a_body_that_is_not_base64_is_refused_in_the_one_shape(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    module = function(name)
    seen = capture(monkeypatch, module, EDGE_CALLS[name])
    broken = event("POST", next(p for m, p in ROUTES[name] if m == "POST"))
    broken.update(body="!!!not base64", isBase64Encoded=True)

    answer = module.lambda_handler(broken, _Context())

    assert (answer["statusCode"], json.loads(answer["body"])) == (400, {"message": "malformed body"})
    assert seen == []


@pytest.mark.parametrize("base64_body", [False, True], ids=["text", "base64"])
def test_a_body_that_is_not_utf8_is_refused_in_the_one_shape(
    monkeypatch: pytest.MonkeyPatch, base64_body: bool
) -> None:
    module = function("card_events")
    seen = capture(monkeypatch, module, EDGE_CALLS["card_events"])
    latin = '{"merchant": "Café"}'.encode("latin-1")
    broken = event("POST", "/internal/card-events")
    broken.update(body=base64.b64encode(latin).decode() if base64_body else "\udce9", isBase64Encoded=base64_body)

    answer = module.lambda_handler(broken, _Context())

    assert (answer["statusCode"], json.loads(answer["body"])) == (400, {"message": "malformed body"})
    assert seen == []


def test_a_path_the_template_names_with_another_method_is_a_404() -> None:
    answer = function("card_events").lambda_handler(event("GET", "/internal/card-events"), _Context())

    assert (answer["statusCode"], json.loads(answer["body"])) == (404, {"message": "not found"})


def test_a_route_the_function_does_not_serve_is_a_404_in_the_one_shape() -> None:
    answer = function("telegram_webhook").lambda_handler(event("GET", "/webhooks/telegram"), _Context())

    expected = short_answer(404, "not found")
    assert (answer["statusCode"], answer["body"]) == (expected.status, expected.body)


def test_meta_handshake_gets_the_query(monkeypatch: pytest.MonkeyPatch) -> None:
    module = function("whatsapp_webhook")
    seen: list[dict[str, str]] = []
    monkeypatch.setattr(module, "answer_challenge", lambda _c, query: seen.append(query) or short_answer(200, "x"))
    query = {"hub.mode": "subscribe", "hub.challenge": "42"}

    module.lambda_handler(event("GET", "/webhooks/whatsapp", queryStringParameters=query), _Context())

    assert seen == [query]


@pytest.mark.parametrize(("context", "caller"), [({"lambda": {"sub": "operator-7"}}, "operator-7"), ({}, "")])
def test_the_operator_lookup_gets_who_the_authorizer_let_through(
    monkeypatch: pytest.MonkeyPatch, context: dict[str, Any], caller: str
) -> None:
    module = function("operator_lookup")
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(module, "lookup", lambda who, customer: seen.append((who, customer)) or short_answer(200, ""))
    request = event("GET", "/internal/customers/{customer_id}", pathParameters={"customer_id": "cus_1"})
    request["requestContext"]["authorizer"] = context

    module.lambda_handler(request, _Context())

    assert seen == [(caller, "cus_1")]


@pytest.mark.parametrize(
    ("method", "path", "call"),
    [
        ("GET", "/internal/handoffs", "list_chats"),
        ("POST", "/internal/handoffs/{handoff_id}/take", "take"),
        ("POST", "/internal/handoffs/{handoff_id}/answer", "answer"),
        ("POST", "/internal/handoffs/{handoff_id}/hand-back", "hand_back"),
    ],
)
def test_each_inbox_route_reaches_its_action_with_the_operator_the_authorizer_let_through(
    monkeypatch: pytest.MonkeyPatch, method: str, path: str, call: str
) -> None:
    assert (method, path) in ROUTES["operator_inbox"]
    module = function("operator_inbox")
    seen: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(
        module.inbox, call, lambda request, *args, **_: seen.append((request.caller, args)) or short_answer(200, "")
    )
    request = event(method, path, pathParameters={"handoff_id": HANDOFF} if "{" in path else None)
    request["requestContext"]["authorizer"] = {"lambda": {"sub": "operator-7"}}

    assert module.lambda_handler(request, _Context())["statusCode"] == 200
    assert seen == [("operator-7", (HANDOFF,) if "{" in path else ())]


def test_an_answer_keeps_its_headers_and_type() -> None:
    module = function("secure_page")
    html = HttpAnswer(status=200, body="<p>", headers={"content-type": "text/html", "cache-control": "no-store"})
    module.handle = lambda _request: html  # type: ignore[attr-defined]

    answer = module.lambda_handler(event("GET", "/secure/{purpose}", pathParameters={"purpose": "pin"}), _Context())

    assert answer["statusCode"] == 200 and answer["body"] == "<p>"
    assert answer["headers"]["Content-Type"] == "text/html" and answer["headers"]["cache-control"] == "no-store"
