"""Every Bot API call the Telegram adapter makes conforms to telegram/api.json (Bot API 10.1).

Checked from the spec itself: the method exists; required parameters are present; no parameter is
unknown; values have the documented types (objects recursively against their type's fields); string
limits written in the descriptions ("1-4096 characters", "1-64 bytes") hold.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from messenger_bank.channels import rules
from messenger_bank.channels.base import PlatformRequest

from .conformance import all_requests
from .conftest import spec_json

API = spec_json("telegram", "api.json")
REQUESTS = all_requests("telegram")
_LIMIT = re.compile(r"(\d+)-(\d+) (characters|bytes)")


def _limit_problems(where: str, value: str, description: str) -> list[str]:
    match = _LIMIT.search(description)
    if not match:
        return []
    low, high, unit = int(match.group(1)), int(match.group(2)), match.group(3)
    size = len(value.encode()) if unit == "bytes" else rules.measure(value)
    return [] if low <= size <= high else [f"{where}: {size} {unit} not in {low}-{high}"]


def _type_problems(where: str, value: Any, types: list[str], description: str) -> list[str]:
    attempts: list[list[str]] = []
    for type_name in types:
        attempts.append(_one_type(where, value, type_name, description))
        if not attempts[-1]:
            return []
    return min(attempts, key=len)


def _one_type(where: str, value: Any, type_name: str, description: str) -> list[str]:
    if type_name.startswith("Array of "):
        if not isinstance(value, list):
            return [f"{where}: expected {type_name}"]
        problems: list[str] = []
        for index, item in enumerate(value):
            problems += _one_type(f"{where}[{index}]", item, type_name.removeprefix("Array of "), description)
        return problems
    if type_name == "String":
        return _limit_problems(where, value, description) if isinstance(value, str) else [f"{where}: not a String"]
    if type_name == "Integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{where}: not an Integer"]
    if type_name == "Float":
        return [] if isinstance(value, int | float) and not isinstance(value, bool) else [f"{where}: not a Float"]
    if type_name == "Boolean":
        return [] if isinstance(value, bool) else [f"{where}: not a Boolean"]
    if type_name == "InputFile":
        return [f"{where}: uploads are not JSON"]
    if type_name in API["types"]:
        return _object_problems(where, value, API["types"][type_name])
    return [f"{where}: unknown type {type_name}"]


def _object_problems(where: str, value: Any, spec: dict[str, Any]) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: not an object"]
    fields = {field["name"]: field for field in spec.get("fields", [])}
    problems = [f"{where}.{name}: unknown" for name in value if name not in fields]
    problems += [f"{where}.{name}: required" for name, f in fields.items() if f["required"] and name not in value]
    for name, item in value.items():
        if name in fields:
            field = fields[name]
            problems += _type_problems(f"{where}.{name}", item, field["types"], field["description"])
    return problems


def problems_of(request: PlatformRequest) -> list[str]:
    match = re.fullmatch(r"/bot\{token\}/(\w+)", request.path)
    if match is None:
        return [f"path {request.path} is not /bot{{token}}/<method>"]
    method = match.group(1)
    if method not in API["methods"]:
        return [f"no method {method} in the Bot API"]
    return _object_problems(method, request.body, API["methods"][method])


def test_the_corpus_covers_every_kind_of_call() -> None:
    methods = {request.path.rsplit("/", 1)[-1] for _, request in REQUESTS}
    assert methods >= {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "deleteMessage",
        "sendChatAction",
        "answerCallbackQuery",
    }


@pytest.mark.parametrize(("name", "request_"), REQUESTS, ids=[name for name, _ in REQUESTS])
def test_each_request_conforms_to_the_bot_api(name: str, request_: PlatformRequest) -> None:
    assert problems_of(request_) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"chat_id": 1}, "sendMessage.text: required"),
        ({"chat_id": 1, "text": "x" * 4097}, "4097 characters"),
        ({"chat_id": 1, "text": "hi", "colour": "red"}, "sendMessage.colour: unknown"),
        (
            {
                "chat_id": 1,
                "text": "hi",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "é" * 33}]]},
            },
            "66 bytes",
        ),
    ],
)
def test_the_checker_itself_catches_bad_requests(body: dict[str, Any], problem: str) -> None:
    request = PlatformRequest(path="/bot{token}/sendMessage", body=body)
    assert any(problem in found for found in problems_of(request))
