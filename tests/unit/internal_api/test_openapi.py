"""The OpenAPI description of the internal API: well formed, every reference resolves, every internal
route of the template is described with its security, and what the Lambdas answer fits the schemas."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft4Validator

from messenger_bank.customers.models import Card, ChannelIdentity, Customer

ROOT = Path(__file__).resolve().parents[3]
DOCUMENT = ROOT / "docs" / "internal-api.openapi.yaml"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def api_paths() -> dict[str, Any]:
    from local.cloud.template import transform

    template = transform(ROOT / "template.yaml", {"Stage": "dev"}, region="eu-central-1", account="123456789012")
    (api,) = [r for r in template.document["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    paths: dict[str, Any] = api["Properties"]["Body"]["paths"]
    return paths


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(spec: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def schema_of(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """A component schema with its references inlined, for jsonschema (OpenAPI 3.0 schemas are draft-4-like)."""

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(resolve(spec, node["$ref"]))
            return {k: inline(v) for k, v in node.items() if k not in ("example", "description")}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return dict(inline(spec["components"]["schemas"][name]))


def test_the_document_is_openapi_3_with_info_and_operations(spec: dict[str, Any]) -> None:
    assert str(spec["openapi"]).startswith("3.0.")
    assert spec["info"]["title"] and spec["info"]["version"]
    ids = []
    for path, operations in spec["paths"].items():
        assert path.startswith("/")
        for method, operation in operations.items():
            assert method in METHODS, (path, method)
            assert operation["responses"], (path, method)
            assert all(code.isdigit() and len(code) == 3 for code in operation["responses"]), (path, method)
            ids.append(operation["operationId"])
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == {part[1:-1] for part in path.split("/") if part.startswith("{")}, path
    assert len(ids) == len(set(ids))


def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    for ref in refs(spec):
        assert resolve(spec, ref) is not None


def test_every_component_schema_is_a_valid_schema(spec: dict[str, Any]) -> None:
    for name in spec["components"]["schemas"]:
        Draft4Validator.check_schema(schema_of(spec, name))


def test_the_examples_fit_their_schemas(spec: dict[str, Any]) -> None:
    checked = 0
    for operations in spec["paths"].values():
        for operation in operations.values():
            bodies = [operation.get("requestBody", {}), *list(operation["responses"].values())]
            for body in bodies:
                for media in body.get("content", {}).values():
                    if "example" in media:
                        name = media["schema"]["$ref"].rsplit("/", 1)[-1]
                        Draft4Validator(schema_of(spec, name)).validate(media["example"])
                        checked += 1
    assert checked >= 2


def test_every_authorized_route_of_the_template_is_described_with_the_bearer_scheme(
    spec: dict[str, Any], api_paths: dict[str, Any]
) -> None:
    authorized = {
        (path, method)
        for path, operations in api_paths.items()
        for method, operation in operations.items()
        if operation.get("security")
    }
    assert ("/internal/customers/{customer_id}", "get") in authorized
    for path, method in authorized:
        operation = spec["paths"][path][method]
        assert operation.get("security", spec["security"]) == [{"keycloak": []}], path


def test_the_internal_routes_use_the_keycloak_authorizer_as_a_simple_response_lambda(api_paths: dict[str, Any]) -> None:
    for path, operations in api_paths.items():
        if path.startswith("/internal/"):
            for operation in operations.values():
                assert operation["security"] == [{"KeycloakAuthorizer": []}], path


def test_what_the_operator_lookup_answers_fits_the_schema(spec: dict[str, Any]) -> None:
    lookup = importlib.import_module("messenger_bank.customers.operator")
    now = datetime(2026, 1, 5, 10, 15, tzinfo=UTC)

    class Repository:
        def get(self, customer_id: str) -> Customer | None:
            return Customer(
                customer_id=customer_id,
                bank_customer_id="C-1",
                phone="+375291234567",
                language="be",
                referral_code="ABC123",
                created_at=now,
            )

        def identities(self, customer_id: str) -> list[ChannelIdentity]:
            return [
                ChannelIdentity(channel="viber", user_id="u1", chat_id="c1"),
                ChannelIdentity(channel="telegram", user_id="42", chat_id="42"),
            ]

        def cards(self, customer_id: str) -> list[Card]:
            return [
                Card(card_id="card-1", customer_id=customer_id, mask="411111******1111", expiry="12/29", issued_at=now)
            ]

    answer = lookup.lookup("operator-7", "cus_1", Repository())

    import json

    body = json.loads(answer.body)
    assert answer.status == 200
    Draft4Validator(schema_of(spec, "OperatorView")).validate(body)
    assert body["channels"] == ["telegram", "viber"]
    text = answer.body
    for personal in ("+375291234567", "ABC123", '"42"', "u1", "c1"):
        assert personal not in text


@pytest.mark.parametrize(
    ("operator", "customer_id", "status"),
    [("", "cus_1", 403), ("o", "../x", 400)],
)
def test_the_operator_lookup_refuses_an_unauthorized_or_malformed_request(
    operator: str, customer_id: str, status: int
) -> None:
    lookup = importlib.import_module("messenger_bank.customers.operator")

    assert lookup.lookup(operator, customer_id, object()).status == status


def test_each_internal_route_names_the_role_the_authorizer_requires(
    spec: dict[str, Any], api_paths: dict[str, Any]
) -> None:
    from messenger_bank.security.internal_roles import ROUTE_ROLES

    template_routes = {
        f"{method.upper()} {path}"
        for path, operations in api_paths.items()
        if path.startswith("/internal/")
        for method in operations
    }
    documented = {
        f"{method.upper()} {path}": operation.get("x-keycloak-role")
        for path, operations in spec["paths"].items()
        if path.startswith("/internal/")
        for method, operation in operations.items()
    }
    assert template_routes == set(ROUTE_ROLES) == set(documented)
    assert documented == dict(ROUTE_ROLES)


def test_the_authorizer_answer_is_cached_per_route_for_at_most_a_minute() -> None:
    from local.cloud.template import transform

    template = transform(ROOT / "template.yaml", {"Stage": "dev"}, region="eu-central-1", account="123456789012")
    (api,) = [r for r in template.document["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    authorizer = api["Properties"]["Body"]["components"]["securitySchemes"]["KeycloakAuthorizer"]
    settings = authorizer["x-amazon-apigateway-authorizer"]
    assert 0 < settings["authorizerResultTtlInSeconds"] <= 60
    assert "$context.routeKey" in settings["identitySource"]
