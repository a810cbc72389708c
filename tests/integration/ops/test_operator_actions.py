"""Who may act in the operations view (local/ops/auth.py, server.py): the sandbox's Keycloak realm issues the
tokens (its real RS256 key and JWKS, through its own token endpoint), the view verifies them, and a redrive
that is let through reaches Step Functions on moto. Each case changes one thing from an operator's good
request and names what it breaks."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient

from local.cloud import aws_extensions
from local.ops.actions import AuditTrail
from local.ops.auth import CSRF_HEADER, OPERATORS_CLIENT, SESSION_COOKIE, Operators, OperatorSignIn
from local.ops.reader import ExecutionsReader, aws_client
from local.ops.server import create_app
from local.sandbox import keycloak
from local.sandbox.config import SandboxConfig
from local.sandbox.faults import FaultInjector
from tests.integration.ops.journeys import ROLE, moto_server

REGION = "ap-south-2"  # moto's backends are per process: a region of this module's own
ISSUER = "http://keycloak.test/realms/bank"
VIEW = "http://ops.test"  # the view's own origin (the test client's host)
FAILING = {"StartAt": "Refund", "States": {"Refund": {"Type": "Fail", "Error": "RefundStuck", "Cause": "bank down"}}}


@dataclass
class Realm:
    issuer: keycloak.TokenIssuer
    client: FlaskClient

    def token(self, form: dict[str, str]) -> str:
        answer = self.client.post("/realms/bank/protocol/openid-connect/token", data=form)
        assert answer.status_code == 200, answer.json
        return str(answer.json["access_token"])  # type: ignore[index]

    def person(self, username: str, password: str) -> str:
        return self.token(
            {
                "grant_type": "password",
                "client_id": OPERATORS_CLIENT,
                "client_secret": "sandbox-operator-secret",
                "username": username,
                "password": password,
            }
        )


@pytest.fixture(scope="module")
def realm(tmp_path_factory: pytest.TempPathFactory) -> Realm:
    config = SandboxConfig()
    issuer = keycloak.TokenIssuer(tmp_path_factory.mktemp("realm") / "realm.pem", config)
    issuer.issuer_url = ISSUER
    app = keycloak.create_app(issuer, FaultInjector())
    return Realm(issuer, app.test_client())


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    aws_extensions.install()
    with moto_server() as endpoint:
        sfn = aws_client("stepfunctions", endpoint, REGION)
        machine = sfn.create_state_machine(name="transfer", definition=json.dumps(FAILING), roleArn=ROLE)
        yield {"sfn": sfn, "sqs": aws_client("sqs", endpoint, REGION), "machine": machine["stateMachineArn"]}


@dataclass
class View:
    client: FlaskClient
    audit: AuditTrail
    operators: Operators


@pytest.fixture
def view(realm: Realm, aws: dict[str, Any]) -> View:
    def post(url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        answer = realm.client.post(url.removeprefix("http://keycloak.test"), data=form)
        return answer.status_code, answer.json or {}

    operators = Operators(
        OperatorSignIn(issuer=ISSUER, client_id=OPERATORS_CLIENT, client_secret="sandbox-operator-secret"),
        fetch=lambda _url: realm.issuer.jwks(),
        post=post,
    )
    audit = AuditTrail()
    app = create_app(ExecutionsReader(aws["sfn"]), sqs=aws["sqs"], operators=operators, audit=audit)
    return View(app.test_client(), audit, operators)


def failed_execution(aws: dict[str, Any]) -> str:
    sfn = aws["sfn"]
    arn: str = sfn.start_execution(stateMachineArn=aws["machine"], name=f"t-{time.monotonic_ns()}")["executionArn"]
    deadline = time.monotonic() + 10
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return arn


def retry(view: View, arn: str, *, token: str | None = None, headers: dict[str, str] | None = None) -> Any:
    """The page's request: the session cookie, its CSRF token, from the view's own origin."""
    if token is not None:
        view.client.set_cookie(SESSION_COOKIE, token, domain="ops.test")
    sent = {"Origin": VIEW, CSRF_HEADER: view.operators.csrf_token(token or "")}
    sent.update(headers or {})
    return view.client.post(f"/api/executions/{arn}/retry", headers={k: v for k, v in sent.items() if v}, base_url=VIEW)


def signed(claims: dict[str, Any], realm: Realm, key: Any = None) -> str:
    return jwt.encode(claims, key or realm.issuer.key, algorithm="RS256", headers={"kid": realm.issuer.kid})


def operator_claims(realm: Realm, **changes: Any) -> dict[str, Any]:
    claims = jwt.decode(realm.person("operator", "sandbox-operator-password"), options={"verify_signature": False})
    claims.update(changes)
    return claims


# ---------------------------------------------------------------------------------------------- allowed
def test_an_operator_retries_a_failed_execution_and_it_is_recorded(
    view: View, realm: Realm, aws: dict[str, Any]
) -> None:
    arn = failed_execution(aws)
    token = realm.person("operator", "sandbox-operator-password")

    answer = retry(view, arn, token=token)

    assert answer.status_code == 200, answer.json
    assert aws["sfn"].describe_execution(executionArn=arn)["redriveCount"] == 1
    record = view.audit.records()[0]
    assert (record["operator"], record["action"], record["target"], record["outcome"]) == (
        "operator",
        "retry",
        arn,
        "done",
    )


def test_a_script_with_a_bearer_token_needs_no_origin_nor_csrf(view: View, realm: Realm, aws: dict[str, Any]) -> None:
    arn = failed_execution(aws)
    token = realm.person("operator", "sandbox-operator-password")

    answer = view.client.post(f"/api/executions/{arn}/retry", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 200, answer.json


def test_signing_in_sets_an_http_only_same_site_cookie_and_gives_the_csrf_token(view: View) -> None:
    answer = view.client.post(
        "/api/session",
        json={"username": "operator", "password": "sandbox-operator-password"},
        headers={"Origin": VIEW},
        base_url=VIEW,
    )

    assert answer.status_code == 200
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    session = view.client.get("/api/session", base_url=VIEW).json
    assert session is not None
    assert (session["operator"], session["may_act"], session["csrf"]) == ("operator", True, answer.json["csrf"])  # type: ignore[index]


# ---------------------------------------------------------------------------------------------- refused
def refused(view: View, aws: dict[str, Any], answer: Any, status: int, reason: str) -> None:
    assert answer.status_code == status, answer.json
    assert reason in answer.json["error"]
    assert view.audit.records()[0]["outcome"] == "refused"


def test_a_person_without_the_operator_role_is_refused(view: View, realm: Realm, aws: dict[str, Any]) -> None:
    arn = failed_execution(aws)
    answer = retry(view, arn, token=realm.person("viewer", "sandbox-viewer-password"))

    refused(view, aws, answer, 403, "the operator role is needed")
    assert view.audit.records()[0]["operator"] == "viewer"  # who tried is recorded
    assert aws["sfn"].describe_execution(executionArn=arn)["redriveCount"] == 0


def test_an_expired_token_is_refused(view: View, realm: Realm, aws: dict[str, Any]) -> None:
    now = int(time.time())
    expired = signed(operator_claims(realm, iat=now - 400, nbf=now - 400, exp=now - 100), realm)

    refused(view, aws, retry(view, failed_execution(aws), token=expired), 401, "expired")


def test_a_token_signed_by_another_key_is_refused(view: View, realm: Realm, aws: dict[str, Any]) -> None:
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = signed(operator_claims(realm), realm, key=forger)

    refused(view, aws, retry(view, failed_execution(aws), token=forged), 401, "signature")


def test_a_token_of_another_issuer_is_refused(view: View, realm: Realm, aws: dict[str, Any]) -> None:
    elsewhere = signed(operator_claims(realm, iss="http://keycloak.test/realms/other"), realm)

    refused(view, aws, retry(view, failed_execution(aws), token=elsewhere), 401, "issuer")


def test_a_token_for_another_audience_is_refused(view: View, realm: Realm, aws: dict[str, Any]) -> None:
    other = signed(operator_claims(realm, aud=["core-banking"]), realm)

    refused(view, aws, retry(view, failed_execution(aws), token=other), 401, "audience")


def test_a_service_token_with_the_role_of_another_client_is_refused(
    view: View, realm: Realm, aws: dict[str, Any]
) -> None:
    service = signed(operator_claims(realm, azp="core-banking"), realm)

    refused(view, aws, retry(view, failed_execution(aws), token=service), 403, "client")


def test_no_session_is_refused(view: View, aws: dict[str, Any]) -> None:
    refused(view, aws, retry(view, failed_execution(aws)), 401, "sign in first")


def test_a_request_without_the_csrf_token_is_refused(view: View, realm: Realm, aws: dict[str, Any]) -> None:
    token = realm.person("operator", "sandbox-operator-password")
    answer = retry(view, failed_execution(aws), token=token, headers={CSRF_HEADER: ""})

    refused(view, aws, answer, 403, "CSRF")


def test_a_request_from_another_site_is_refused(view: View, realm: Realm, aws: dict[str, Any]) -> None:
    token = realm.person("operator", "sandbox-operator-password")
    answer = retry(view, failed_execution(aws), token=token, headers={"Origin": "http://evil.test"})

    refused(view, aws, answer, 403, "another site")


def test_a_request_with_neither_origin_nor_referer_is_refused(view: View, realm: Realm, aws: dict[str, Any]) -> None:
    token = realm.person("operator", "sandbox-operator-password")
    answer = retry(view, failed_execution(aws), token=token, headers={"Origin": ""})

    refused(view, aws, answer, 403, "another site")


def test_a_wrong_password_does_not_sign_in(view: View) -> None:
    answer = view.client.post(
        "/api/session", json={"username": "operator", "password": "guess"}, headers={"Origin": VIEW}, base_url=VIEW
    )

    assert answer.status_code == 401
    assert "Set-Cookie" not in answer.headers


def test_a_sign_in_from_another_site_is_refused(view: View) -> None:
    answer = view.client.post(
        "/api/session",
        json={"username": "operator", "password": "sandbox-operator-password"},
        headers={"Origin": "http://evil.test"},
        base_url=VIEW,
    )

    assert answer.status_code == 403


def test_stopping_a_closed_execution_is_a_conflict_and_recorded(view: View, realm: Realm, aws: dict[str, Any]) -> None:
    arn = failed_execution(aws)
    token = realm.person("operator", "sandbox-operator-password")
    view.client.set_cookie(SESSION_COOKIE, token, domain="ops.test")

    answer = view.client.post(
        f"/api/executions/{arn}/stop",
        headers={"Origin": VIEW, CSRF_HEADER: view.operators.csrf_token(token)},
        base_url=VIEW,
    )

    assert answer.status_code == 409
    assert "FAILED" in answer.json["error"]  # type: ignore[index]
    assert view.audit.records()[0]["outcome"] == "failed"


def test_the_sandbox_realm_refuses_the_password_grant_to_a_service_client(realm: Realm) -> None:
    answer = realm.client.post(
        "/realms/bank/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "core-banking",
            "client_secret": "sandbox-core-secret",
            "username": "operator",
            "password": "sandbox-operator-password",
        },
    )
    assert answer.status_code == 400
    assert answer.json == {
        "error": "unauthorized_client",
        "error_description": "Client not allowed for direct access grants",
    }


def test_the_sandbox_realms_person_token_names_them_and_their_roles(realm: Realm) -> None:
    claims = jwt.decode(realm.person("operator", "sandbox-operator-password"), options={"verify_signature": False})

    assert (claims["preferred_username"], claims["azp"], claims["realm_access"]) == (
        "operator",
        OPERATORS_CLIENT,
        {"roles": ["operator"]},
    )
    assert "operations-view" in claims["aud"]


def test_an_operator_redrives_a_dead_letter_queue_back_to_the_queue_it_serves(
    view: View, realm: Realm, aws: dict[str, Any]
) -> None:
    sqs = aws["sqs"]
    dead = sqs.create_queue(QueueName="inbound-dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 3})
    inbound = sqs.create_queue(QueueName="inbound.fifo", Attributes={"FifoQueue": "true", "RedrivePolicy": policy})
    sqs.send_message(
        QueueUrl=dead, MessageBody='{"update": 1}', MessageGroupId="telegram:1", MessageDeduplicationId="u1"
    )
    listed = view.client.get("/api/dead-letters").json["queues"]  # type: ignore[index]
    assert [(q["name"], q["messages"], q["serves"]) for q in listed] == [("inbound-dlq.fifo", 1, ["inbound.fifo"])]
    token = realm.person("operator", "sandbox-operator-password")

    answer = view.client.post(f"/api/dead-letters/{dead_arn}/redrive", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 200, answer.json
    deadline = time.monotonic() + 10
    while (queue := view.client.get("/api/dead-letters").json["queues"][0])["last_move"]["status"] == "RUNNING":  # type: ignore[index]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (queue["messages"], queue["last_move"]["moved"]) == (0, 1)
    moved = sqs.receive_message(QueueUrl=inbound["QueueUrl"], AttributeNames=["MessageGroupId"])["Messages"]
    assert [(m["Body"], m["Attributes"]["MessageGroupId"]) for m in moved] == [('{"update": 1}', "telegram:1")]
    record = view.audit.records()[0]
    assert (record["operator"], record["action"], record["outcome"]) == ("operator", "redrive dead letters", "done")
