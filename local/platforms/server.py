"""The HTTP server: the four platforms' APIs, the control endpoints (`/_…`) and the chat page."""

from __future__ import annotations

import hmac
import json
import mimetypes
import re
import secrets as pysecrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from local.platforms.common import ApiError, Platforms, make_png
from local.platforms.config import CHANNELS, PlatformSecrets, platform_user_id
from local.platforms.inbound import SendError, SendRequest, send
from local.platforms.meta import MessengerApi, WhatsAppApi, graph_error
from local.platforms.state import JSON, Fault, Store, WebhookSetting
from local.platforms.telegram import TelegramApi, Upload
from local.platforms.viber import ViberApi

STATIC = Path(__file__).parent / "static"
AVATAR = make_png(64, 64, (160, 160, 170))
MAX_BODY = 60 * 1024 * 1024

# The bank's market: Belarusian mobile numbers, so that the onboarding's phone step accepts them.
PRESET_USERS = [
    {"id": "1001", "name": "Алеся Каваленка", "phone": "+375291234567", "language": "ru"},
    {"id": "1002", "name": "Янка Лукашэвіч", "phone": "+375447654321", "language": "be"},
    {"id": "1003", "name": "Maksim Ivanou", "phone": "+375336665544", "language": "en"},
]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        headers=headers or {},
        content_type="application/json; charset=utf-8",
    )


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.args.get("access_token")


def _json_body(request: Request) -> Any:
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        return None


class App:
    """A WSGI application; one per server, holding the platforms' state."""

    def __init__(self, platforms: Platforms) -> None:
        self.p = platforms
        self.telegram = TelegramApi(platforms)
        self.viber = ViberApi(platforms)
        self.whatsapp = WhatsAppApi(platforms)
        self.messenger = MessengerApi(platforms)
        get_or_post = ("GET", "POST")
        self.routes: list[tuple[re.Pattern[str], tuple[str, ...], Callable[..., Response]]] = [
            (re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$"), get_or_post, self.tg_method),
            (re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$"), ("GET",), self.tg_file),
            (re.compile(r"^/pa/(?P<method>[a-z_]+)$"), ("POST",), self.viber_method),
            (re.compile(r"^/v(?P<ver>\d+(?:\.\d+)?)/me/messages$"), ("POST",), self.fb_messages),
            (re.compile(r"^/v(?P<ver>\d+(?:\.\d+)?)/me/messenger_profile$"), ("POST",), self.fb_profile_set),
            (re.compile(r"^/v(?P<ver>\d+(?:\.\d+)?)/(?P<pnid>\d+)/messages$"), ("POST",), self.wa_messages),
            (re.compile(r"^/v(?P<ver>\d+(?:\.\d+)?)/(?P<pnid>\d+)/media$"), ("POST",), self.wa_media_upload),
            (re.compile(r"^/v(?P<ver>\d+(?:\.\d+)?)/(?P<node>[A-Za-z0-9_=-]+)$"), ("GET",), self.graph_node),
            (re.compile(r"^/_media/(?P<file_id>[A-Za-z0-9_=-]+)$"), ("GET",), self.wa_media_download),
            (re.compile(r"^/_files/(?P<file_id>[A-Za-z0-9_=-]+)$"), ("GET",), self.file),
            (re.compile(r"^/_recorded$"), ("GET",), self.c_recorded),
            (re.compile(r"^/_reset$"), ("POST",), self.c_reset),
            (re.compile(r"^/_faults$"), get_or_post, self.c_faults),
            (re.compile(r"^/_send$"), ("POST",), self.c_send),
            (re.compile(r"^/_webhooks$"), get_or_post, self.c_webhooks),
            (re.compile(r"^/_verify$"), ("POST",), self.c_verify),
            (re.compile(r"^/_conversation$"), ("GET",), self.c_conversation),
            (re.compile(r"^/_config$"), ("GET",), self.c_config),
            (re.compile(r"^/_web_app$"), ("GET",), self.c_web_app),
            (re.compile(r"^/_health$"), ("GET",), lambda request: json_response({"ok": True})),
            (
                re.compile(r"^/$"),
                ("GET",),
                lambda request: Response(status=302, headers={"Location": "/chat"}),
            ),
            (re.compile(r"^/chat/?$"), ("GET",), lambda request: self.static("chat.html")),
            (
                re.compile(r"^/chat/static/(?P<name>[a-z0-9_.-]+)$"),
                ("GET",),
                lambda request, name: self.static(name),
            ),
        ]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_BODY
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        for pattern, methods, handler in self.routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            if request.method not in methods:
                return json_response({"error": "method not allowed"}, 405)
            try:
                return handler(request, **match.groupdict())
            except ApiError as exc:
                return json_response(exc.body, exc.status, exc.headers)
        return json_response({"error": "not found", "path": request.path}, 404)

    # Telegram -------------------------------------------------------------------------------------------
    def tg_method(self, request: Request, token: str, method: str) -> Response:
        params: dict[str, Any] = dict(request.args.items())
        uploads: dict[str, Upload] = {}
        if request.mimetype == "application/json":
            body = _json_body(request)
            if not isinstance(body, dict):
                return json_response(
                    {"ok": False, "error_code": 400, "description": "Bad Request: can't parse JSON"}, 400
                )
            params.update(body)
        else:
            form: MultiDict[str, str] = request.form
            params.update(form.items())
            for name, storage in request.files.items():
                uploads[name] = Upload(storage.read(), storage.filename or name, storage.mimetype or "")
            for name, value in list(params.items()):
                if isinstance(value, str) and value.startswith("attach://") and value[9:] in uploads:
                    uploads[name] = uploads[value[9:]]
                    params[name] = None
        status, body = self.telegram.handle(token, method, params, uploads)
        return json_response(body, status)

    def tg_file(self, request: Request, token: str, path: str) -> Response:
        if not hmac.compare_digest(token.encode(), self.p.secrets.telegram_bot_token.encode()):
            return json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        stored = self.p.store.files.get(path.rsplit("/", 1)[-1])
        if stored is None:
            return json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return Response(stored.data, content_type=stored.mime_type)

    # Viber ------------------------------------------------------------------------------------------------
    def viber_method(self, request: Request, method: str) -> Response:
        status, body = self.viber.handle(method, request.headers.get("X-Viber-Auth-Token"), request.get_data())
        return json_response(body, status)

    # Meta -------------------------------------------------------------------------------------------------
    def wa_messages(self, request: Request, ver: str, pnid: str) -> Response:
        status, body = self.whatsapp.handle_messages(pnid, _bearer(request), _json_body(request))
        return json_response(body, status)

    def wa_media_upload(self, request: Request, ver: str, pnid: str) -> Response:
        storage = request.files.get("file")
        data = storage.read() if storage is not None else b""
        mime = (
            request.form.get("type") or (storage.mimetype if storage is not None else "") or "application/octet-stream"
        )
        name = (storage.filename if storage is not None else None) or "upload"
        return json_response(self.whatsapp.upload_media(pnid, _bearer(request), data, mime, name))

    def wa_media_download(self, request: Request, file_id: str) -> Response:
        token = _bearer(request)
        if not token or not hmac.compare_digest(token.encode(), self.p.secrets.whatsapp_access_token.encode()):
            raise graph_error(401, "Invalid OAuth access token - Cannot parse access token", 190, 467)
        stored = self.p.store.files.get(file_id)
        if stored is None:
            return json_response({"error": "not found"}, 404)
        return Response(stored.data, content_type=stored.mime_type)

    def graph_node(self, request: Request, ver: str, node: str) -> Response:
        token = _bearer(request)
        if token and hmac.compare_digest(token.encode(), self.p.secrets.whatsapp_access_token.encode()):
            return json_response(self.whatsapp.media_info(node, token))
        return json_response(self.messenger.profile(node, token))

    def fb_messages(self, request: Request, ver: str) -> Response:
        status, body = self.messenger.handle_messages(_bearer(request), _json_body(request))
        return json_response(body, status)

    def fb_profile_set(self, request: Request, ver: str) -> Response:
        return json_response(self.messenger.set_profile(_bearer(request), _json_body(request)))

    # files and the page -----------------------------------------------------------------------------------
    def file(self, request: Request, file_id: str) -> Response:
        if file_id == "avatar":
            return Response(AVATAR, content_type="image/png")
        stored = self.p.store.files.get(file_id)
        if stored is None:
            return json_response({"error": "no such file"}, 404)
        headers = {}
        if not stored.mime_type.startswith("image/"):
            headers["Content-Disposition"] = f'attachment; filename="{stored.name}"'
        return Response(stored.data, content_type=stored.mime_type, headers=headers)

    def static(self, name: str) -> Response:
        path = STATIC / name
        if not path.is_file():
            return json_response({"error": "not found"}, 404)
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if mime.startswith("text/") or mime in {"application/javascript", "image/svg+xml"}:
            mime += "; charset=utf-8"
        return Response(path.read_bytes(), content_type=mime, headers={"Cache-Control": "no-cache"})

    # control endpoints ------------------------------------------------------------------------------------
    def c_recorded(self, request: Request) -> Response:
        records = self.p.store.recorded(request.args.get("channel"), request.args.get("chat_id"))
        if request.args.get("method"):
            records = [r for r in records if r["method"] == request.args["method"]]
        if request.args.get("since"):
            records = [r for r in records if r["seq"] > int(request.args["since"])]
        return json_response(records)

    def c_reset(self, request: Request) -> Response:
        self.p.store.reset()
        return json_response({"ok": True})

    def c_faults(self, request: Request) -> Response:
        store = self.p.store
        if request.method == "POST":
            body = _json_body(request)
            if not isinstance(body, dict) or (
                body.get("channel") not in CHANNELS and not body.get("clear") and "rates" not in body
            ):
                return json_response({"error": "body needs channel (telegram|viber|whatsapp|messenger)"}, 422)
            with store.lock:
                if body.get("clear"):
                    store.faults.clear()
                    store.blocked.clear()
                if "rates" in body:  # the published send rates (state.RATE_LIMITS), on unless a test says
                    store.rates_enforced = bool(body["rates"])
                channel = body.get("channel")
                chat_id = str(body["chat_id"]) if body.get("chat_id") is not None else None
                if channel and "blocked" in body:
                    if chat_id is None:
                        return json_response({"error": "blocked needs chat_id"}, 422)
                    if body["blocked"]:
                        store.blocked.add((channel, chat_id))
                    else:
                        store.blocked.discard((channel, chat_id))
                if channel and int(body.get("rate_limit") or 0) > 0:
                    store.faults.append(
                        Fault(
                            channel,
                            chat_id,
                            int(body["rate_limit"]),
                            "rate_limit",
                            int(body.get("retry_after") or 1),
                        )
                    )
                if channel and int(body.get("server_error") or 0) > 0:
                    store.faults.append(Fault(channel, chat_id, int(body["server_error"]), "server_error"))
                if channel and body.get("window") == "closed":
                    if chat_id is None:
                        return json_response({"error": "window needs chat_id"}, 422)
                    store.close_window(channel, chat_id)
                if channel == "viber" and body.get("cap") == "spent":
                    if chat_id is None:
                        return json_response({"error": "cap needs chat_id"}, 422)
                    store.spend_viber_cap(chat_id)
                if channel == "viber" and chat_id is not None and "subscribed" in body:
                    if body["subscribed"]:
                        store.viber_subscribed.add(chat_id)
                    else:
                        store.viber_subscribed.discard(chat_id)
        with store.lock:
            state = {
                "blocked": [{"channel": c, "chat_id": i} for c, i in sorted(store.blocked)],
                "faults": [
                    {
                        "channel": f.channel,
                        "chat_id": f.chat_id,
                        "kind": f.kind,
                        "remaining": f.remaining,
                        "retry_after": f.retry_after,
                    }
                    for f in store.faults
                ],
                "viber_subscribed": sorted(store.viber_subscribed),
                "rates_enforced": store.rates_enforced,
            }
        return json_response(state)

    def c_send(self, request: Request) -> Response:
        body = _json_body(request)
        try:
            req = SendRequest.model_validate(body)
        except ValidationError as exc:
            return json_response({"error": "invalid _send body", "details": json.loads(exc.json())}, 422)
        try:
            return json_response(send(self.p, req))
        except SendError as exc:
            return json_response({"error": str(exc)}, 422)

    def c_webhooks(self, request: Request) -> Response:
        if request.method == "POST":
            body = _json_body(request)
            if not isinstance(body, dict) or body.get("channel") not in CHANNELS:
                return json_response({"error": "body needs channel and url"}, 422)
            with self.p.store.lock:
                setting = self.p.webhook(str(body["channel"]))
                if body.get("url"):
                    setting.url = str(body["url"])
                    setting.explicit = True
                if "secret_token" in body and body["channel"] == "telegram":
                    setting.secret_token = body["secret_token"]
                setting.deleted = False
        out = {}
        for channel in CHANNELS:
            current: WebhookSetting = self.p.webhook(channel)
            out[channel] = {"url": current.url, "explicit": current.explicit, "deleted": current.deleted}
        return json_response(out)

    def c_verify(self, request: Request) -> Response:
        """Meta's GET subscription handshake against the configured webhook of whatsapp or messenger."""
        body = _json_body(request) or {}
        channel = body.get("channel")
        if channel not in {"whatsapp", "messenger"}:
            return json_response({"error": "channel must be whatsapp or messenger"}, 422)
        challenge = str(pysecrets.randbelow(10**9))
        token = body.get("verify_token") or self.p.secrets.meta_verify_token
        params = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": challenge}
        try:
            with httpx.Client(timeout=10.0, trust_env=False) as client:
                response = client.get(self.p.webhook(channel).url, params=params)
        except httpx.HTTPError as exc:
            return json_response({"status": None, "error": str(exc), "verified": False})
        verified = response.status_code == 200 and response.text.strip() == challenge
        return json_response({"status": response.status_code, "verified": verified, "response": response.text[:500]})

    def c_conversation(self, request: Request) -> Response:
        channel = request.args.get("channel", "")
        if channel not in CHANNELS:
            return json_response({"error": "channel required"}, 422)
        chat_id = request.args.get("chat_id")
        if chat_id is None:
            user_id = request.args.get("user_id")
            if not user_id:
                return json_response({"error": "chat_id or user_id required"}, 422)
            chat_id = platform_user_id(channel, user_id, request.args.get("phone"))
        store = self.p.store
        with store.lock:
            messages = [m.to_json() for m in store.conversation(channel, chat_id)]
            typing_until = store.typing.get((channel, chat_id), 0.0)
            toast = store.toasts.get((channel, chat_id))
            version = store.version
        return json_response(
            {
                "channel": channel,
                "chat_id": chat_id,
                "version": version,
                "typing": typing_until > time.time(),
                "toast": toast,
                "blocked": store.is_blocked(channel, chat_id),
                "messages": messages,
            }
        )

    def c_web_app(self, request: Request) -> Response:
        """Open a page as a Telegram Web App of the chat with ``user_id``: to ``url`` with ``#tgWebAppData``.

        Telegram opens only https Web Apps, so the bot sends the local cloud's plain-http secure-page links
        as url buttons; the chat page opens them here instead, as Telegram would open the Web App (the
        page refuses a Telegram link without its chat's initData). Only local pages are opened."""
        from urllib.parse import urlencode, urlsplit

        from local.platforms.config import platform_user_id
        from local.platforms.telegram import web_app_init_data

        url, user_id = request.args.get("url", ""), request.args.get("user_id", "")
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost") or not user_id:
            return json_response({"error": "a local page and a user are needed"}, 400)
        chat_id = platform_user_id("telegram", user_id)
        data = web_app_init_data(self.p.secrets.telegram_bot_token, chat_id)
        return Response(status=302, headers={"Location": f"{url}#{urlencode({'tgWebAppData': data})}"})

    def c_config(self, request: Request) -> Response:
        return json_response(
            {
                "channels": list(CHANNELS),
                "users": PRESET_USERS,
                "base_url": self.p.base_url,
                "webhooks": {c: self.p.webhook(c).url for c in CHANNELS},
            }
        )


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class PlatformsServer:
    """The running fake platforms. `base_url` is what the bot uses as every platform's API base URL."""

    def __init__(self, host: str, port: int, webhook_base_url: str, secrets: PlatformSecrets) -> None:
        self.platforms = Platforms(Store(), secrets, webhook_base_url)
        self.app = App(self.platforms)
        self._server: BaseWSGIServer = make_server(host, port, self.app, threaded=True, request_handler=_QuietHandler)
        self.host = host
        self.port = self._server.port
        self.platforms.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-platforms", daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/chat"

    @property
    def secrets(self) -> PlatformSecrets:
        return self.platforms.secrets

    @property
    def store(self) -> Store:
        return self.platforms.store

    def recorded(self, channel: str, chat_id: str | int | None = None) -> list[JSON]:
        return self.platforms.store.recorded(channel, None if chat_id is None else str(chat_id))

    def send(
        self,
        channel: str,
        user: dict[str, Any],
        kind: str = "text",
        text: str | None = None,
        payload: str | None = None,
        referral: str | dict[str, Any] | None = None,
        repeat: int = 1,
        **extra: Any,
    ) -> JSON:
        """The same as `POST /_send`; raises SendError or ValidationError where that answers 422."""
        req = SendRequest.model_validate(
            {
                "channel": channel,
                "user": user,
                "kind": kind,
                "text": text,
                "payload": payload,
                "referral": referral,
                "repeat": repeat,
                **extra,
            }
        )
        return send(self.platforms, req)

    def reset(self) -> None:
        self.platforms.store.reset()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_platforms(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    webhook_base_url: str,
    secrets: PlatformSecrets | None = None,
) -> PlatformsServer:
    """Start the fake Telegram, Viber, WhatsApp and Messenger APIs and the chat page in a thread."""
    return PlatformsServer(host, port, webhook_base_url, secrets or PlatformSecrets())
