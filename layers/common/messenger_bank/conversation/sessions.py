"""Conversation sessions: where a chat is in which flow, with what data; kept in DynamoDB with a TTL.

Table schema (the template must create the same):

    partition key   chat_key   (S)   "<channel>:<chat id>", e.g. "telegram:123456"; no sort key
    TTL attribute   expires_at (N)   epoch seconds; DynamoDB deletes idle sessions after it
    other attributes (written by this module, not indexed):
        version (N)  customer_id (S, absent when unknown)  language (S)  language_source (S)
        flow (S)  step (S)  last_seen (S, ISO 8601)
        state (S: JSON of flow_data, history, buttons, epoch, reply_keyboard)
        sealed (B, absent when the flow holds nothing personal): the values of `flow_data.sensitive`
        (name, passport and personal number, a card's last four and expiry...), taken out of `state`
        and sealed together with the chat-data key, context {"purpose": "chat-session", "chat": chat_key}
        (security/sealing.py), so a blob copied into another chat's item does not open
        (an item written before the typed flow data has `data` in `state` instead of `flow_data`;
        one written before the sealing has its personal values in `state`, read as they are: such a
        session is gone SESSION_IDLE_MINUTES, 30, after its last message)
    billing: on demand; no secondary index.

Writes are conditional on the version read (`attribute_not_exists(chat_key)` for a new session), so
two turns of one chat can never overwrite each other: the loser gets `SessionConflict` and its
message is retried from the queue. TTL deletion is lazy, so an item past `expires_at` may still be
read: the engine treats it as expired (tells the customer, keeps the language, back to the menu).

Never stored here: card numbers (only token + mask), PINs, passwords, CVVs; personal values only sealed.
A turn whose flow holds nothing personal (most) calls KMS neither to read nor to write.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.conversation.engine.state import FlowData
from messenger_bank.conversation.settings import session_settings
from messenger_bank.security.sealing import SESSION_PURPOSE, Sealer, chat_sealer
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
    # A message of this chat left a keyboard standing (OutboundMessage.opens_keyboard): the next reply of
    # another step takes it away.
    reply_keyboard: bool = False
    version: int = Field(default=0, ge=0)
    expires_at: int = Field(default=0, description="epoch seconds; the table's TTL attribute")
    last_seen: datetime = Field(default_factory=lambda: datetime.fromtimestamp(0, UTC))

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= int(now.timestamp())


class SessionConflict(Exception):
    """Another turn of the same chat saved first; retry this turn from the fresh session."""


class SessionRepository:
    """get / save over the sessions table; the boto3 resource and the sealer are created on first use."""

    def __init__(
        self, table_name: str | None = None, *, table: Table | None = None, sealer: Sealer | None = None
    ) -> None:
        self._table_name = table_name or session_settings().table_name
        self._table = table
        self._sealer = sealer

    @property
    def sealer(self) -> Sealer:
        return self._sealer or chat_sealer()

    @property
    def table(self) -> Table:
        if self._table is None:
            import boto3

            self._table = boto3.resource("dynamodb").Table(self._table_name)
        return self._table

    def get(self, chat_key: str) -> Session | None:
        item = self.table.get_item(Key={"chat_key": chat_key}, ConsistentRead=True).get("Item")
        return None if item is None else _from_item(item, self)

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
            self.table.put_item(Item=_to_item(saved, self), **condition)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise SessionConflict(session.chat_key) from exc
            raise
        return saved

    def forget(self, chat_key: str) -> None:
        """The chat's next message starts afresh as a stranger's (its binding was removed elsewhere). A
        turn of that chat under way cannot write the old session back: its versioned save finds no item."""
        self.table.delete_item(Key={"chat_key": chat_key})


def _sealing_context(chat_key: str) -> dict[str, str]:
    return {"chat": chat_key}


def _to_item(session: Session, repository: SessionRepository) -> dict[str, Any]:
    flow_data = session.data.model_dump(mode="json")
    personal = {k: v for k, v in flow_data["values"].items() if k in session.data.sensitive}
    flow_data["values"] = {k: v for k, v in flow_data["values"].items() if k not in personal}
    state = {
        "flow_data": flow_data,
        "history": list(session.history),
        "buttons": session.buttons,
        "epoch": session.epoch,
        "reply_keyboard": session.reply_keyboard,
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
    if personal:
        plaintext = json.dumps(personal, ensure_ascii=False, separators=(",", ":")).encode()
        item["sealed"] = repository.sealer.seal(
            plaintext, purpose=SESSION_PURPOSE, context=_sealing_context(session.chat_key)
        )
    return item


def _from_item(item: dict[str, Any], repository: SessionRepository) -> Session:
    state = json.loads(str(item.get("state", "{}")))
    # Items written before the typed model keep the old dict (with the engine's underscore keys).
    stored = state.get("flow_data")
    data = FlowData.model_validate(stored) if stored is not None else FlowData.from_legacy(state.get("data", {}))
    if "sealed" in item:  # SealBroken for a blob sealed for another chat: the turn fails, nothing is read
        opened = repository.sealer.unseal(
            bytes(item["sealed"]), purpose=SESSION_PURPOSE, context=_sealing_context(str(item["chat_key"]))
        )
        data.values.update(json.loads(opened))
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
        reply_keyboard=bool(state.get("reply_keyboard", False)),
        version=int(item["version"]),
        expires_at=int(item["expires_at"]),
        last_seen=datetime.fromisoformat(str(item["last_seen"])),
    )


@lru_cache(maxsize=1)
def sessions() -> SessionRepository:
    """The repository for this process (table from SESSIONS_TABLE), created on first use."""
    return SessionRepository()
