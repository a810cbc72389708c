"""The HTTP edge every function behind the HTTP API shares: ``HttpRoutes`` answers the payload 2.0 event of the route
API Gateway matched, ``request_from_event`` hands the domain an ``HttpRequest`` (never a Lambda event: the body as
the bytes sent, base64 decoded), and every answer leaves in one shape, ``HttpAnswer``.

A function is its routes and one line: ``lambda_handler = routes.handler()``.

Written here, not with Powertools' ``APIGatewayHttpResolver``: importing its package imports the resolvers of every
event source, asyncio and their data classes, +0.18x of ``import boto3`` (instructions) at each cold start of these
ten functions, the webhooks among them (issue 20). API Gateway has matched the route already and names it in
``routeKey`` ("POST /webhooks/telegram", "GET /secure/{purpose}"), so a route is found by that key, never by matching
the path again.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.handlers import Handler, lambda_entry

JSON: Final = "application/json"


class HttpRequest(BaseModel):
    """What a domain function gets of one HTTP request: header names lower-cased, the body as the bytes sent
    (a signature is over these). ``caller`` is who the Lambda authorizer let through ("" on a public route)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: str = "POST"
    path_parameters: dict[str, str] = Field(default_factory=dict)
    raw_query: str = ""
    query: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    body: bytes = Field(default=b"", repr=False)
    caller: str = ""
    caller_name: str = ""  # the person's username the authorizer read from the token, for audit records


class HttpAnswer(BaseModel):
    """The one shape of an HTTP answer; JSON unless the headers say otherwise (the secure page's HTML)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: int
    body: str
    headers: dict[str, str] = Field(default_factory=lambda: {"content-type": JSON})


def short_answer(status: int, text: str) -> HttpAnswer:
    """An answer that only says what happened: ``{"message": text}``."""
    return HttpAnswer(status=status, body=json.dumps({"message": text}))


def json_answer(status: int, body: Any, **headers: str) -> HttpAnswer:
    return HttpAnswer(
        status=status,
        body=json.dumps(body, ensure_ascii=False),
        headers={"content-type": JSON, **{name.replace("_", "-"): value for name, value in headers.items()}},
    )


class MalformedBody(ValueError):
    """The body is not base64 when it says it is, or not UTF-8: no route can read it."""


def request_from_event(event: Mapping[str, Any]) -> HttpRequest:
    """The request of a payload 2.0 event, typed: the one place a body is decoded (base64 included);
    ``MalformedBody`` if it cannot be."""
    body = str(event.get("body") or "")
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode("utf-8")
        raw.decode("utf-8")  # every route reads text (JSON, a form, XML)
    except (binascii.Error, UnicodeError) as undecodable:
        raise MalformedBody("the body cannot be read") from undecodable
    context = event.get("requestContext") or {}
    authorizer = (context.get("authorizer") or {}).get("lambda") or {}
    return HttpRequest(
        method=str((context.get("http") or {}).get("method") or "").upper(),
        path_parameters=dict(event.get("pathParameters") or {}),
        raw_query=str(event.get("rawQueryString") or ""),
        query=dict(event.get("queryStringParameters") or {}),
        headers={str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()},
        body=raw,
        caller=str(authorizer.get("sub") or ""),
        caller_name=str(authorizer.get("username") or ""),
    )


def http_api_response(answer: HttpAnswer) -> dict[str, Any]:
    """An answer as the HTTP API takes it from a Lambda (payload 2.0), its content type first."""
    headers = dict(answer.headers)
    return {
        "statusCode": answer.status,
        "headers": {"Content-Type": headers.pop("content-type", JSON), **headers},
        "body": answer.body,
        "isBase64Encoded": False,
    }


type Route = Callable[[HttpRequest, LambdaContext], HttpAnswer]


class HttpRoutes:
    """The routes of one function, each by its route key as template.yaml declares it ("METHOD /path/{name}")."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}

    def route(self, *route_keys: str) -> Callable[[Route], Route]:
        def register(route: Route) -> Route:
            for key in route_keys:
                if key in self._routes:
                    raise ValueError(f"{key} is served already")
                self._routes[key] = route
            return route

        return register

    @property
    def route_keys(self) -> frozenset[str]:
        return frozenset(self._routes)

    def answer(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        """The answer to one event; a route this function does not serve is a 404, a body it cannot read a 400."""
        route = self._routes.get(str(event.get("routeKey") or ""))
        if route is None:
            return http_api_response(short_answer(404, "not found"))
        try:
            request = request_from_event(event)
        except MalformedBody:
            return http_api_response(short_answer(400, "malformed body"))
        return http_api_response(route(request, context))

    def handler(self) -> Handler:
        """The Lambda handler: the shared Powertools wrapping (handlers.lambda_entry) around ``answer``."""
        return lambda_entry(self.answer)
