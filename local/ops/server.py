"""The operations view: a small threaded HTTP server with one page (vanilla JS, served from ./static)
and the JSON endpoints the page reads.

    GET /                          the executions, filterable (?status=FAILED&q=CUST-0002)
    GET /execution/<arn>           one execution: timeline, input/output, error, chat link, log lines
    GET /api/executions?status=&q= JSON behind the index
    GET /api/executions/<arn>      JSON behind one execution
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request, send_from_directory
from werkzeug.serving import BaseWSGIServer, make_server

from local.ops.reader import STATUSES, ExecutionNotFound, ExecutionsReader, stepfunctions_client

STATIC = Path(__file__).with_name("static")


def create_app(reader: ExecutionsReader) -> Flask:
    app = Flask(__name__, static_folder=None)

    def page() -> Response:
        response = send_from_directory(STATIC, "index.html", max_age=0)
        response.headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:"
        return response

    @app.get("/")
    def index() -> Response:
        return page()

    @app.get("/execution/<path:arn>")
    def execution_page(arn: str) -> Response:
        return page()

    @app.get("/static/<path:name>")
    def static(name: str) -> Response:
        return send_from_directory(STATIC, name, max_age=0)

    @app.get("/api/executions")
    def executions() -> Any:
        status = request.args.get("status", "").strip().upper()
        if status and status not in STATUSES:
            return jsonify({"error": f"status must be one of {', '.join(STATUSES)}"}), 400
        return jsonify(reader.executions(status=status or None, query=request.args.get("q", "")))

    @app.get("/api/executions/<path:arn>")
    def execution(arn: str) -> Any:
        try:
            return jsonify(reader.execution(arn))
        except ExecutionNotFound:
            return jsonify({"error": f"no execution {arn}"}), 404

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify({"ok": True})

    return app


@dataclass
class OpsView:
    url: str
    _server: BaseWSGIServer
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_ops_view(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    aws_endpoint: str,
    region: str,
    logs_dir: Path | None,
    platforms_url: str | None = None,
) -> OpsView:
    """Serve the operations view in a background thread; port 0 takes a free one (see `.url`)."""
    reader = ExecutionsReader(stepfunctions_client(aws_endpoint, region), platforms_url, logs_dir)
    server = make_server(host, port, create_app(reader), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="ops-view", daemon=True)
    thread.start()
    return OpsView(url=f"http://{host}:{server.server_port}", _server=server, _thread=thread)
