"""Conversation sessions: where a chat is in which flow, with what data; kept in DynamoDB with a TTL.

Table schema (the template must create the same):

    partition key   chat_key   (S)   "<channel>:<chat id>", e.g. "telegram:123456"; no sort key
    TTL attribute   expires_at (N)   epoch seconds; DynamoDB deletes idle sessions after it
    other attributes (written by this module, not indexed):
        version (N)  customer_id (S, absent when unknown)  language (S)  language_source (S)
        flow (S)  step (S)  state (S: JSON of flow_data, history, buttons, epoch)  last_seen (S, ISO 8601)
        (an item written before the typed flow data has `data` in `state` instead of `flow_data`)
    billing: on demand; no secondary index.

Writes are conditional on the version read (`attribute_not_exists(chat_key)` for a new session), so
two turns of one chat can never overwrite each other: the loser gets `SessionConflict` and its
message is retried from the queue. TTL deletion is lazy, so an item past `expires_at` may still be
read: the engine treats it as expired (tells the customer, keeps the language, back to the menu).

Never stored here: card numbers (only token + mask), PINs, passwords, CVVs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.conversation.engine.state import FlowData
from messenger_bank.conversation.settings import session_settings
from messenger_bank.types import Language

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


LanguageSource = Literal["default", "hint", "text", "chosen"]


class Session(BaseModel):
    """One chat's conversation state. `version` is the version read from the table (0 = new)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chat_key: str = Field(min_length=3, max_length=160)
    customer_id: str | None = None
    # The sign-in zone's session JWT (short-lived, bound to this chat), sent with every operation.
    session_token: str | None = Field(default=None, repr=False)
    language: Language = "ru"
    language_source: LanguageSource = "default"
    flow: str | None = None
    step: str | None = None
    data: FlowData = Field(default_factory=FlowData)
    history: tuple[str, ...] = ()
    buttons: dict[str, dict[str, Any]] = Field(default_factory=dict, description="session-scoped button keys")
    epoch: int = 0
    version: int = Field(default=0, ge=0)
    expires_at: int = Field(default=0, description="epoch seconds; the table's TTL attribute")
    last_seen: datetime = Field(default_factory=lambda: datetime.fromtimestamp(0, UTC))

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= int(now.timestamp())


class SessionConflict(Exception):
    """Another turn of the same chat saved first; retry this turn from the fresh session."""


class SessionRepository:
    """get / save over the sessions table; the boto3 resource is created on first use."""

    def __init__(self, table_name: str | None = None, *, table: Table | None = None) -> None:
        self._table_name = table_name or session_settings().table_name
        self._table = table

    @property
    def table(self) -> Table:
        if self._table is None:
            import boto3

            self._table = boto3.resource("dynamodb").Table(self._table_name)
        return self._table

    def get(self, chat_key: str) -> Session | None:
        item = self.table.get_item(Key={"chat_key": chat_key}, ConsistentRead=True).get("Item")
        return None if item is None else _from_item(item)

    def save(self, session: Session) -> Session:
        """Write conditional on the version read; returns the session with its new version."""
        from botocore.exceptions import ClientError

        saved = session.model_copy(update={"version": session.version + 1})
        if session.version == 0:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(chat_key)"}
        else:
            condition = {
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": session.version},
            }
        try:
            self.table.put_item(Item=_to_item(saved), **condition)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise SessionConflict(session.chat_key) from exc
            raise
        return saved

    def forget(self, chat_key: str) -> None:
        """The chat's next message starts afresh as a stranger's (its binding was removed elsewhere). A
        turn of that chat under way cannot write the old session back: its versioned save finds no item."""
        self.table.delete_item(Key={"chat_key": chat_key})


def _to_item(session: Session) -> dict[str, Any]:
    state = {
        "flow_data": session.data.model_dump(mode="json"),
        "history": list(session.history),
        "buttons": session.buttons,
        "epoch": session.epoch,
    }
    item: dict[str, Any] = {
        "chat_key": session.chat_key,
        "version": session.version,
        "language": session.language,
        "language_source": session.language_source,
        "state": json.dumps(state, ensure_ascii=False, separators=(",", ":")),
        "expires_at": session.expires_at,
        "last_seen": session.last_seen.isoformat(),
    }
    for name in ("customer_id", "session_token", "flow", "step"):
        value = getattr(session, name)
        if value is not None:
            item[name] = value
    return item


def _from_item(item: dict[str, Any]) -> Session:
    state = json.loads(str(item.get("state", "{}")))
    # Items written before the typed model keep the old dict (with the engine's underscore keys).
    stored = state.get("flow_data")
    data = FlowData.model_validate(stored) if stored is not None else FlowData.from_legacy(state.get("data", {}))
    return Session(
        chat_key=str(item["chat_key"]),
        customer_id=item.get("customer_id"),
        session_token=item.get("session_token"),
        language=item.get("language", "ru"),
        language_source=item.get("language_source", "default"),
        flow=item.get("flow"),
        step=item.get("step"),
        data=data,
        history=tuple(state.get("history", ())),
        buttons=state.get("buttons", {}),
        epoch=int(state.get("epoch", 0)),
        version=int(item["version"]),
        expires_at=int(item["expires_at"]),
        last_seen=datetime.fromisoformat(str(item["last_seen"])),
    )


@lru_cache(maxsize=1)
def sessions() -> SessionRepository:
    """The repository for this process (table from SESSIONS_TABLE), created on first use."""
    return SessionRepository()
