"""Every request the WhatsApp adapter makes conforms to Meta's OpenAPI (business-messaging-api_v23.0.yaml).

Sends are validated with jsonschema against the request body schema of
``POST /{Version}/{Phone-Number-ID}/messages``, $refs resolved. The spec composes each message type as
``allOf[BaseMessageProperties, {additionalProperties: false, …}]``, which taken literally rejects Meta's
own examples (the closed second part forbids the base properties); the schema is therefore read as
the authors meant it, with each allOf merged into one object schema (the test proves the merged schema
accepts the spec's own examples). The typing indicator (a read receipt) is not part of that schema: it
is compared with the spec's own "Send typing indicator and read receipt" example.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from messenger_bank.channels.base import PlatformRequest

from .conformance import all_requests
from .conftest import SPECS

SPEC_PATH = SPECS / "whatsapp" / "business-messaging-api_v23.0.yaml"
MESSAGES_PATH = "/{Version}/{Phone-Number-ID}/messages"
REQUESTS = all_requests("whatsapp")
SENDS = [(name, r) for name, r in REQUESTS if "status" not in r.body]
READ_RECEIPTS = [(name, r) for name, r in REQUESTS if "status" in r.body]
_VERBATIM = {"example", "examples", "enum", "const", "default", "required", "description"}


@cache
def spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def _resolve(reference: str) -> Any:
    node: Any = spec()
    for part in reference.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _inline(node: Any, depth: int = 0) -> Any:
    """The schema with $refs inlined and every allOf merged into one object schema."""
    if depth > 60:
        raise RecursionError("schema too deep")
    if isinstance(node, list):
        return [_inline(item, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _inline(_resolve(node["$ref"]), depth + 1)
    if "allOf" in node:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        closed = False
        for part in (_inline(item, depth + 1) for item in node["allOf"]):
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += [name for name in part.get("required", []) if name not in merged["required"]]
            closed = closed or part.get("additionalProperties") is False
            merged |= {
                k: v for k, v in part.items() if k not in ("properties", "required", "additionalProperties", "type")
            }
        if closed:
            merged["additionalProperties"] = False
        rest = {k: v for k, v in node.items() if k != "allOf"}
        return merged | _inline(rest, depth + 1)
    return {key: (value if key in _VERBATIM else _inline(value, depth + 1)) for key, value in node.items()}


def _operation() -> dict[str, Any]:
    operation: dict[str, Any] = spec()["paths"][MESSAGES_PATH]["post"]
    return operation


@cache
def validator(message_type: str | None = None) -> Draft202012Validator:
    """The validator of the whole body schema, or of one type's branch (the spec's discriminator)."""
    schema = _operation()["requestBody"]["content"]["application/json"]["schema"]
    if message_type is not None:
        mapping = _resolve(schema["$ref"])["discriminator"]["mapping"]
        schema = {"$ref": mapping[message_type]}
    inlined = _inline(schema)
    Draft202012Validator.check_schema(inlined)
    return Draft202012Validator(inlined)


def _examples() -> dict[str, Any]:
    examples: dict[str, Any] = _operation()["requestBody"]["content"]["application/json"]["examples"]
    return {name: example["value"] for name, example in examples.items()}


# An interactive `cta_url` message (a URL button) as Meta documents it ("Interactive CTA URL button
# messages", Cloud API reference): the v23.0 OpenAPI's InteractiveObject leaves the type out, so its bodies
# are checked against this shape, with the spec's own base properties.
CTA_URL_INTERACTIVE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type", "body", "action"],
    "properties": {
        "type": {"const": "cta_url"},
        "header": {"type": "object"},
        "body": {
            "type": "object",
            "additionalProperties": False,
            "required": ["text"],
            "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 1024}},
        },
        "footer": {"type": "object"},
        "action": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "parameters"],
            "properties": {
                "name": {"const": "cta_url"},
                "parameters": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["display_text", "url"],
                    "properties": {
                        "display_text": {"type": "string", "minLength": 1, "maxLength": 20},
                        "url": {"type": "string", "pattern": "^https?://"},
                    },
                },
            },
        },
    },
}


def _cta_url_errors(body: dict[str, Any]) -> list[str]:
    base = {key: value for key, value in body.items() if key != "interactive"}
    placeholder = base | {"type": "text", "text": {"body": "x"}}  # the base properties, as the spec checks them
    errors = [e for e in validator().iter_errors(placeholder)]
    errors += list(Draft202012Validator(CTA_URL_INTERACTIVE).iter_errors(body.get("interactive")))
    return [f"{'/'.join(map(str, e.absolute_path))}: {_short(e.message)}" for e in errors]


def errors_of(body: dict[str, Any]) -> list[str]:
    """Errors against the whole schema, explained by the branch of the body's type when it fails."""
    if body.get("type") == "interactive" and (body.get("interactive") or {}).get("type") == "cta_url":
        return _cta_url_errors(body)
    whole = list(validator().iter_errors(body))
    if not whole:
        return []
    branch = validator(body["type"]) if body.get("type") in _resolve_mapping() else None
    errors = list(branch.iter_errors(body)) if branch is not None else []
    return [f"{'/'.join(map(str, e.absolute_path))}: {_short(e.message)}" for e in errors or whole]


def _short(message: str) -> str:
    return message if len(message) < 200 else f"{message[:80]} … {message[-100:]}"


@cache
def _resolve_mapping() -> frozenset[str]:
    schema = _operation()["requestBody"]["content"]["application/json"]["schema"]
    return frozenset(_resolve(schema["$ref"])["discriminator"]["mapping"])


@pytest.mark.parametrize(
    "example",
    [
        "Send Text Message",
        "Send Reply Button",
        "Send List Message",
        "Send Image Message by URL",
        "Send Document Message by URL",
    ],
)
def test_the_merged_schema_accepts_the_specs_own_examples(example: str) -> None:
    assert errors_of(_examples()[example]) == []


def test_the_corpus_covers_text_buttons_lists_images_documents_and_typing() -> None:
    kinds = {(r.body.get("type"), (r.body.get("interactive") or {}).get("type")) for _, r in SENDS}
    assert kinds >= {
        ("text", None),
        ("interactive", "button"),
        ("interactive", "list"),
        ("interactive", "cta_url"),
        ("image", None),
        ("document", None),
    }
    assert READ_RECEIPTS


@pytest.mark.parametrize(("name", "request_"), SENDS, ids=[name for name, _ in SENDS])
def test_each_send_conforms_to_the_messages_schema(name: str, request_: PlatformRequest) -> None:
    assert request_.path == "/{version}/{phone_number_id}/messages"
    assert errors_of(request_.body) == []


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    return type(value).__name__


@pytest.mark.parametrize(("name", "request_"), READ_RECEIPTS, ids=[name for name, _ in READ_RECEIPTS])
def test_the_typing_indicator_has_the_shape_of_the_specs_example(name: str, request_: PlatformRequest) -> None:
    example = _examples()["Send typing indicator and read receipt"]
    assert _shape(request_.body) == _shape(example)
    assert request_.body["status"] == "read"
    assert request_.body["typing_indicator"] == {"type": "text"}


def _sent(kind: str, content: dict[str, Any]) -> dict[str, Any]:
    """A message body to user "1" of `kind` with `content` under that key: one change from a valid send."""
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "1", "type": kind, kind: content}


def _cta_url(display_text: str, url: str) -> dict[str, Any]:
    parameters = {"display_text": display_text, "url": url}
    return {"type": "cta_url", "body": {"text": "b"}, "action": {"name": "cta_url", "parameters": parameters}}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (_sent("text", {"body": "x", "colour": 1}), "'colour' was unexpected"),
        (
            _sent(
                "interactive",
                {
                    "type": "list",
                    "body": {"text": "b"},
                    "action": {
                        "button": "Choose",
                        "sections": [{"rows": [{"id": str(i), "title": "t"} for i in range(11)]}],
                    },
                },
            ),
            "interactive/action: ",
        ),
        (
            _sent(
                "interactive",
                {
                    "type": "button",
                    "body": {"text": "b" * 1025},
                    "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "t"}}]},
                },
            ),
            "is too long",
        ),
        (_sent("interactive", _cta_url("d" * 21, "https://x")), "is too long"),
        (_sent("interactive", _cta_url("d", "tel:+375291234567")), "does not match"),
    ],
    ids=["unknown-field", "eleven-rows", "long-body", "long-cta-display-text", "cta-url-not-a-web-page"],
)
def test_the_schema_catches_bad_bodies(body: dict[str, Any], problem: str) -> None:
    assert any(problem in error for error in errors_of(body))
