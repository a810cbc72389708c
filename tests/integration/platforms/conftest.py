"""Fixtures: the fake platforms on a free port, and a tiny webhook receiver that records what arrives."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from local.platforms import PlatformSecrets, PlatformsServer, start_platforms

SECRETS = PlatformSecrets(
    telegram_bot_token="123456:TEST-telegram-token-abcdefghijklmnopqrs",
    telegram_secret_token="test-secret_token",
    viber_auth_token="test-viber-auth-token",
    meta_app_secret="test-meta-app-secret",
    meta_verify_token="test-verify",
    whatsapp_access_token="TEST-WA-TOKEN",
    whatsapp_phone_number_id="555000111",
    messenger_page_access_token="TEST-PAGE-TOKEN",
)


@dataclass
class Arrival:
    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    query: dict[str, str]


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@dataclass
class Receiver:
    """Stands in for the API Gateway front: records every request; answers `responses[path]` or 200 {}."""

    arrivals: list[Arrival] = field(default_factory=list)
    responses: dict[str, tuple[int, str]] = field(default_factory=dict)
    url: str = ""
    server: BaseWSGIServer | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.arrivals.append(
            Arrival(request.method, request.path, dict(request.headers), request.get_data(), dict(request.args))
        )
        if request.method == "GET" and request.args.get("hub.verify_token") == SECRETS.meta_verify_token:
            response = Response(request.args.get("hub.challenge", ""), 200)
        else:
            status, body = self.responses.get(request.path, (200, "{}"))
            response = Response(body, status, content_type="application/json")
        return response(environ, start_response)

    def posts(self, path: str) -> list[Arrival]:
        return [a for a in self.arrivals if a.method == "POST" and a.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    server = make_server("127.0.0.1", 0, rec, threaded=True, request_handler=_Quiet)
    rec.server = server
    rec.url = f"http://127.0.0.1:{server.port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def platforms(receiver: Receiver) -> Iterator[PlatformsServer]:
    server = start_platforms(webhook_base_url=receiver.url, secrets=SECRETS)
    yield server
    server.stop()


@pytest.fixture
def client(platforms: PlatformsServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platforms.base_url, timeout=10.0, trust_env=False) as http:
        yield http


ALICE = {"id": "1001", "name": "Alice Jensen", "phone": "+4915112345601", "language": "en"}
