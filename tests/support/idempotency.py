"""The bank's idempotency record for the unit fakes, refusing as the sandbox does (local/sandbox/ledger.py,
``Bank.idempotent``): per (scope, key), the same body replays the first answer, refusals included; the
same key with another body is ``IdempotencyConflict`` and nothing runs. A fake that replayed by key
alone would be kinder than the bank and let a step that changes its body between retries pass."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, SecretStr

from messenger_bank.errors import IdempotencyConflict

T = TypeVar("T")


def wire_body(request: BaseModel) -> str:
    """What the bank hashes: every field but the key, card numbers in clear (the sandbox hashes the body
    it received, where the number is plain)."""
    fields = {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value
        for name, value in request
        if name != "idempotency_key"
    }
    return json.dumps(fields, sort_keys=True, default=str)


@dataclass
class Replays:
    """First answers by (scope, key), with the body they answered."""

    kept: dict[tuple[str, str], tuple[str, Any]] = field(default_factory=dict)
    conflicts: list[tuple[str, str]] = field(default_factory=list)

    def once(self, scope: str, request: BaseModel, work: Callable[[], T]) -> T:
        key: str = request.idempotency_key  # type: ignore[attr-defined]
        body = wire_body(request)
        if (scope, key) in self.kept:
            first_body, answer = self.kept[(scope, key)]
            if first_body != body:
                self.conflicts.append((scope, key))
                raise IdempotencyConflict(
                    "this Idempotency-Key was used with another request", code="idempotency_conflict"
                )
        else:
            try:
                answer = work()
            except IdempotencyConflict:
                raise
            except Exception as exc:  # the bank keeps its business refusal too, and replays it
                answer = exc
            self.kept[(scope, key)] = (body, answer)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]

    def used(self, scope: str, key: str) -> bool:
        return (scope, key) in self.kept
