"""The operations view: a small threaded HTTP server with one page (vanilla JS, served from ./static)
and the JSON endpoints the page reads.

    GET /                          the executions, filterable (?status=FAILED&q=CUST-0002)
    GET /execution/<arn>           one execution: timeline, input/output, error, chat link, log lines
    GET /api/executions?status=&q= JSON behind the index
    GET /api/executions/<arn>      JSON behind one execution
    GET /api/charts                per journey, the last hour a minute at a time (charts.py)
    GET /api/stuck                 executions parked where money is stuck
    GET /api/dead-letters          the dead-letter queues, their messages and last redrive
    GET /api/audit                 the operators' actions, newest first

An operator's actions (auth.py: Keycloak sign-in, the `operator` role, CSRF-safe; actions.py):

    GET    /api/session                       who is signed in, and the page's CSRF token
    POST   /api/session {username, password}  sign in (Keycloak's password grant); DELETE signs out
    POST   /api/executions/<arn>/retry        RedriveExecution
    POST   /api/executions/<arn>/stop         StopExecution
    POST   /api/dead-letters/<arn>/redrive    SQS StartMessageMoveTask

The flows live now (flows.py), read-only, for a signed-in operator:

    GET /flows                     the page: the live version, its deployments, each flow's picture
    GET /api/flows                 the live version (AppConfig deployment, or the packaged flows), deployments, flows
    GET /api/flows/<name>.svg      one flow's picture, as `make flows` draws it

The operators' inbox (chats handed to a person: messenger_bank/handoff), through the internal API with the
operator's own token, so its authorizer (the `operator` role) and its audit lines are the same as on AWS:

    GET    /api/inbox                         the chats waiting or with an operator, turns redacted
    POST   /api/inbox/<id>/take               take one
    POST   /api/inbox/<id>/answer {text}      answer on the customer's messenger
    POST   /api/inbox/<id>/hand-back          back to the bot
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from flask import Flask, Response, jsonify, request, send_from_directory
from werkzeug.serving import BaseWSGIServer, make_server

from local.ops.actions import ActionFailed, AuditTrail, OperatorActions
from local.ops.auth import CSRF_HEADER, SESSION_COOKIE, Operator, Operators, OperatorSignIn, Refused, same_origin
from local.ops.flows import LiveFlows
from local.ops.reader import STATUSES, ExecutionNotFound, ExecutionsReader, aws_client, dead_letter_queues
from local.publish_flows import FlowsTarget

STATIC = Path(__file__).with_name("static")
HANDOFF_ID = re.compile(r"[a-p]{32}")
INBOX_ACTIONS = {"take": "take", "answer": "answer", "hand-back": "hand back"}


def create_app(
    reader: ExecutionsReader,
    *,
    sqs: Any = None,
    operators: Operators | None = None,
    audit: AuditTrail | None = None,
    flows: LiveFlows | None = None,
    internal_api: str | None = None,
) -> Flask:
    app = Flask(__name__, static_folder=None)
    live_flows = flows or LiveFlows(None, None)
    audit = audit or AuditTrail()
    actions = OperatorActions(reader.sfn, sqs, audit)

    def refused(refusal: Refused) -> Any:
        return jsonify({"error": refusal.reason}), refusal.status

    def bearer() -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def from_this_page() -> None:
        if not same_origin(request.headers.get("Origin"), request.headers.get("Referer"), request.host_url):
            raise Refused(403, "a request from another site is refused")

    def acting_operator(action: str, target: str) -> Operator:
        """The operator this request acts for, or `Refused` (each refusal is an audit record too)."""
        return operator_and_token(action, target, changes=True)[0]

    def operator_and_token(action: str, target: str, *, changes: bool) -> tuple[Operator, str]:
        """The operator and their token; a browser's request that changes something must be this page's."""
        try:
            if operators is None:
                raise Refused(503, "operator sign-in is not configured")
            token = bearer()
            if token is None:
                if changes:
                    from_this_page()
                token = request.cookies.get(SESSION_COOKIE)
                if not token:
                    raise Refused(401, "sign in first")
                if changes and not operators.csrf_matches(token, request.headers.get(CSRF_HEADER)):
                    raise Refused(403, "the page's CSRF token is missing or wrong")
            return operators.operator(token), token
        except Refused as refusal:
            audit.record(
                operator=refusal.who or "(not signed in)",
                action=action,
                target=target,
                outcome="refused",
                detail=refusal.reason,
            )
            raise

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

    @app.get("/api/charts")
    def charts() -> Any:
        return jsonify(reader.charts())

    @app.get("/api/stuck")
    def stuck() -> Any:
        return jsonify({"executions": reader.stuck_money()})

    @app.get("/api/dead-letters")
    def dead_letters() -> Any:
        return jsonify({"queues": dead_letter_queues(sqs) if sqs is not None else []})

    @app.get("/api/audit")
    def audit_records() -> Any:
        return jsonify({"records": audit.records()})

    # ------------------------------------------------------------------ signing in
    @app.get("/api/session")
    def session() -> Any:
        token = request.cookies.get(SESSION_COOKIE)
        if operators is None:
            return jsonify({"signed_in": False, "sign_in": False})
        if not token:
            return jsonify({"signed_in": False, "sign_in": True})
        try:
            person = operators.who(token)
        except Refused as refusal:
            return jsonify({"signed_in": False, "sign_in": True, "reason": refusal.reason})
        return jsonify(
            {
                "signed_in": True,
                "sign_in": True,
                "operator": person.name,
                "roles": list(person.roles),
                "may_act": operators.config.role in person.roles,
                "inbox": internal_api is not None,  # the operators' inbox needs the internal API
                "expires_at": person.expires_at,
                "csrf": operators.csrf_token(token),
            }
        )

    @app.post("/api/session")
    def sign_in() -> Any:
        try:
            if operators is None:
                raise Refused(503, "operator sign-in is not configured")
            from_this_page()
            form = request.get_json(silent=True) or {}
            token, lifetime = operators.sign_in(str(form.get("username", "")), str(form.get("password", "")))
            person = operators.who(token)
        except Refused as refusal:
            return refused(refusal)
        audit.record(operator=person.name, action="sign in", target="operations view", outcome="done")
        response = jsonify({"signed_in": True, "operator": person.name, "csrf": operators.csrf_token(token)})
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=lifetime,
            httponly=True,
            samesite="Strict",
            secure=request.is_secure,
            path="/",
        )
        return response

    @app.delete("/api/session")
    def sign_out() -> Any:
        try:
            from_this_page()
        except Refused as refusal:
            return refused(refusal)
        response = jsonify({"signed_in": False})
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict")
        return response

    # ------------------------------------------------------------------ actions
    def act(action: str, target: str, do: Any) -> Any:
        try:
            operator = acting_operator(action, target)
        except Refused as refusal:
            return refused(refusal)
        try:
            return jsonify(do(operator.name, target))
        except ActionFailed as failed:
            return jsonify({"error": failed.reason}), failed.status

    @app.post("/api/executions/<path:arn>/retry")
    def retry(arn: str) -> Any:
        return act("retry", arn, actions.retry)

    @app.post("/api/executions/<path:arn>/stop")
    def stop(arn: str) -> Any:
        return act("stop", arn, actions.stop)

    @app.post("/api/dead-letters/<path:arn>/redrive")
    def redrive_dead_letters(arn: str) -> Any:
        if sqs is None:
            return jsonify({"error": "no SQS endpoint"}), 503
        return act("redrive dead letters", arn, actions.redrive_dead_letters)

    # ------------------------------------------------------------------ the flows live now (read-only)
    def reading_operator() -> Operator:
        """A signed-in operator (cookie or bearer token; a read needs no CSRF token), or `Refused`."""
        if operators is None:
            raise Refused(503, "operator sign-in is not configured")
        token = bearer() or request.cookies.get(SESSION_COOKIE)
        if not token:
            raise Refused(401, "sign in first")
        return operators.operator(token)

    @app.get("/flows")
    def flows_page() -> Response:
        response = send_from_directory(STATIC, "flows.html", max_age=0)
        response.headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:"
        return response

    @app.get("/api/flows")
    def flows_summary() -> Any:
        try:
            reading_operator()
        except Refused as refusal:
            return refused(refusal)
        return jsonify(live_flows.summary())

    @app.get("/api/flows/<name>.svg")
    def flow_picture(name: str) -> Any:
        try:
            reading_operator()
        except Refused as refusal:
            return refused(refusal)
        svg = live_flows.picture(name)
        if svg is None:
            return jsonify({"error": f"no flow {name}"}), 404
        response = Response(svg, mimetype="image/svg+xml")
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return response

    # ------------------------------------------------------------------ the operators' inbox
    def internal(method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        if internal_api is None:
            raise Refused(503, "the internal API is not configured")
        try:
            answer = httpx.request(
                method,
                f"{internal_api.rstrip('/')}{path}",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
                timeout=httpx.Timeout(20.0, connect=2.0),
            )
        except httpx.HTTPError as error:
            raise Refused(502, f"the internal API did not answer ({type(error).__name__})") from None
        try:
            return answer.status_code, answer.json()
        except ValueError:
            return answer.status_code, {"message": answer.text[:200]}

    @app.get("/api/inbox")
    def inbox() -> Any:
        try:
            _, token = operator_and_token("read inbox", "operators' queue", changes=False)
            status, body = internal("GET", "/internal/handoffs", token)
        except Refused as refusal:
            return refused(refusal)
        return jsonify(body), status

    @app.post("/api/inbox/<handoff_id>/<verb>")
    def inbox_action(handoff_id: str, verb: str) -> Any:
        action = INBOX_ACTIONS.get(verb)
        if action is None or HANDOFF_ID.fullmatch(handoff_id) is None:
            return jsonify({"error": "no such inbox action"}), 404
        target = f"chat {handoff_id}"
        try:
            operator, token = operator_and_token(action, target, changes=True)
            form = request.get_json(silent=True) if verb == "answer" else None
            body = {"text": str(form.get("text", ""))} if isinstance(form, dict) else None
            status, answer = internal("POST", f"/internal/handoffs/{handoff_id}/{verb}", token, body)
        except Refused as refusal:
            return refused(refusal)
        detail = "" if status == 200 else str(answer.get("message", "") if isinstance(answer, dict) else "")
        record = audit.record(
            operator=operator.name,
            action=action,
            target=target,
            outcome="done" if status == 200 else "refused",
            detail=detail,
        )
        if status != 200:
            return jsonify({"error": detail or f"refused ({status})"}), status
        return jsonify({**answer, "audit": record})

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
    sign_in: OperatorSignIn | None = None,
    flows_target: FlowsTarget | None = None,
    internal_api: str | None = None,
) -> OpsView:
    """Serve the operations view in a background thread; port 0 takes a free one (see `.url`). Without
    `sign_in` the page is read-only: every action answers 503."""
    reader = ExecutionsReader(aws_client("stepfunctions", aws_endpoint, region), platforms_url, logs_dir)
    app = create_app(
        reader,
        sqs=aws_client("sqs", aws_endpoint, region),
        operators=Operators(sign_in) if sign_in is not None else None,
        flows=LiveFlows(aws_client("appconfig", aws_endpoint, region), flows_target),
        internal_api=internal_api,
    )
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="ops-view", daemon=True)
    thread.start()
    return OpsView(url=f"http://{host}:{server.server_port}", _server=server, _thread=thread)
