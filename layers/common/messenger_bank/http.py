"""The HTTP edge every function behind the HTTP API shares: Powertools' ``APIGatewayHttpResolver`` routes the
payload 2.0 event and decodes its body (base64 included), ``request_of`` hands the domain an ``HttpRequest``
(never a Lambda event), and every answer leaves in one shape, ``HttpAnswer``.

A function is its routes and one line: ``lambda_handler = http_lambda(app)``.

Powertools' resolver is imported where a resolver is built or answers: the contexts' services take an ``HttpRequest``
and give an ``HttpAnswer``, and a step of a journey that imports one of them (the top-up's, the plastic card's) loaded
the resolver, asyncio and the data classes of every event source without a route to serve (issue 20).
"""

from __future__ import annotations

import binascii
import json
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.handlers import Handler, lambda_entry

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

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


def request_of(app: APIGatewayHttpResolver) -> HttpRequest:
    """The request the resolver is answering, typed."""
    return request_from_event(app.current_event)


def request_from_event(event: APIGatewayProxyEventV2) -> HttpRequest:
    """The one place a body is decoded (by Powertools, base64 included); ``MalformedBody`` if it cannot be."""
    try:
        body = (event.decoded_body or "").encode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as undecodable:
        raise MalformedBody("the body cannot be read") from undecodable
    return HttpRequest(
        method=event.request_context.http.method.upper(),
        path_parameters=dict(event.path_parameters or {}),
        raw_query=event.raw_query_string or "",
        query=dict(event.query_string_parameters or {}),
        headers={str(name).lower(): str(value) for name, value in (event.headers or {}).items()},
        body=body,
        caller=str(event.request_context.authorizer.get_lambda.get("sub") or ""),
        caller_name=str(event.request_context.authorizer.get_lambda.get("username") or ""),
    )


def respond(answer: HttpAnswer) -> Response[str]:
    from aws_lambda_powertools.event_handler import Response

    headers = dict(answer.headers)
    return Response(
        status_code=answer.status, content_type=headers.pop("content-type", JSON), body=answer.body, headers=headers
    )


def http_app() -> APIGatewayHttpResolver:
    """A resolver whose own refusals (an unknown route, an unreadable body) have the one answer shape too."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    app = APIGatewayHttpResolver()

    @app.not_found
    def _not_found(_error: Exception) -> Response[str]:
        return respond(short_answer(404, "not found"))

    @app.exception_handler(MalformedBody)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    def _malformed(_error: MalformedBody) -> Response[str]:
        return respond(short_answer(400, "malformed body"))

    return app


def http_lambda(app: APIGatewayHttpResolver) -> Handler:
    """The Lambda handler of a function behind the HTTP API: the shared Powertools wrapping around the resolver."""
    return lambda_entry(lambda event, context: app.resolve(event, context))
