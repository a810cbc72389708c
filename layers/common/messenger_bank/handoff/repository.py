"""The hand-off records, one DynamoDB item per chat (HandoffsTable):

    handoff_id (key)   chat_key, channel, chat_id, language, customer_id, state, reason, since, taken_by,
                       taken_at, handed_back_by, handed_back_at, refusal, turns (a list), queue, expires_at

``queue`` ("open") exists only while the chat waits or is with an operator: the table's sparse index ``queue``
(ordered by ``since``) is the operators' queue, read without a scan. Every change of state is conditional on
the state it starts from, so two operators never both take a chat and a late action never reopens one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any, Final

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from messenger_bank.handoff.models import ChatTurn, Handoff
from messenger_bank.handoff.settings import handoff_settings

QUEUE_INDEX: Final = "queue"
_TRIM_ATTEMPTS: Final = 5
OPEN: Final = "open"


@cache
def _table() -> Any:
    return boto3.resource("dynamodb").Table(handoff_settings().table_name())


def _conditional(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class HandoffsRepository:
    def __init__(self, table: Any = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        return self._table if self._table is not None else _table()

    def get(self, handoff_id: str) -> Handoff | None:
        item = self.table.get_item(Key={"handoff_id": handoff_id}, ConsistentRead=True).get("Item")
        return None if item is None else _handoff(item)

    def open(self, handoff: Handoff) -> bool:
        """The chat put in the queue; False when it already is (waiting or with an operator): asked twice is
        asked once."""
        item = {**handoff.model_dump(mode="json", exclude_none=True), "queue": OPEN}
        try:
            self.table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(handoff_id) OR #state = :back",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":back": "back_with_bot"},
            )
        except ClientError as error:
            if _conditional(error):
                return False
            raise
        return True

    def add_turn(self, handoff_id: str, turn: ChatTurn, keep: int) -> bool:
        """A turn kept for the operator while the chat is open, the chat's latest `keep` turns stored and no more
        (a chat's item must stay under DynamoDB's 400 KB); False when it is not open (back with the bot)."""
        turn_item = turn.model_dump(mode="json", exclude_none=True)
        try:
            self.table.update_item(
                Key={"handoff_id": handoff_id},
                UpdateExpression="SET turns = list_append(if_not_exists(turns, :none), :turn)",
                ConditionExpression="#queue = :open AND (attribute_not_exists(turns) OR size(turns) < :keep)",
                ExpressionAttributeNames={"#queue": "queue"},
                ExpressionAttributeValues={":turn": [turn_item], ":none": [], ":open": OPEN, ":keep": keep},
            )
            return True
        except ClientError as error:
            if not _conditional(error):
                raise
        # Closed, or full: the list is written whole without its oldest turns, on the condition that nobody added
        # one since it was read (the operator's answers are kept too); a lost race reads again.
        for _ in range(_TRIM_ATTEMPTS):
            item = self.table.get_item(Key={"handoff_id": handoff_id}, ConsistentRead=True).get("Item")
            if item is None or item.get("queue") != OPEN:
                return False
            turns = list(item.get("turns", []))
            try:
                self.table.update_item(
                    Key={"handoff_id": handoff_id},
                    UpdateExpression="SET turns = :turns",
                    ConditionExpression="#queue = :open AND size(turns) = :read",
                    ExpressionAttributeNames={"#queue": "queue"},
                    ExpressionAttributeValues={
                        ":turns": [*turns, turn_item][-keep:],
                        ":open": OPEN,
                        ":read": len(turns),
                    },
                )
                return True
            except ClientError as error:
                if not _conditional(error):
                    raise
        raise RuntimeError(f"the hand-off's turns changed under {_TRIM_ATTEMPTS} attempts to keep one")

    def take(self, handoff_id: str, operator: str, now: datetime) -> Handoff | None:
        """The chat now with `operator`: from waiting, or already theirs. None when it is neither."""
        return self._change(
            handoff_id,
            "SET #state = :with, taken_by = :op, taken_at = if_not_exists(taken_at, :now)",
            "#queue = :open AND (#state = :waiting OR taken_by = :op)",
            {":with": "with_operator", ":op": operator, ":now": now.isoformat(), ":waiting": "waiting"},
        )

    def hand_back(self, handoff_id: str, operator: str, now: datetime) -> Handoff | None:
        """The chat back with the bot: from waiting, or from `operator`'s hands. None when it is neither."""
        expires = int((now + timedelta(days=handoff_settings().handoff_kept_days)).timestamp())
        return self._change(
            handoff_id,
            "SET #state = :back, handed_back_by = :op, handed_back_at = :now, expires_at = :expires REMOVE #queue",
            "#queue = :open AND (#state = :waiting OR taken_by = :op)",
            {
                ":back": "back_with_bot",
                ":op": operator,
                ":now": now.isoformat(),
                ":waiting": "waiting",
                ":expires": expires,
            },
        )

    def _change(self, handoff_id: str, update: str, condition: str, values: dict[str, Any]) -> Handoff | None:
        try:
            answer = self.table.update_item(
                Key={"handoff_id": handoff_id},
                UpdateExpression=update,
                ConditionExpression=f"attribute_exists(handoff_id) AND {condition}",
                ExpressionAttributeNames={"#state": "state", "#queue": "queue"},
                ExpressionAttributeValues={**values, ":open": OPEN},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _conditional(error):
                return None
            raise
        return _handoff(answer["Attributes"])

    def open_chats(self) -> list[Handoff]:
        """Every chat waiting or with an operator, the longest waiting first."""
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {"IndexName": QUEUE_INDEX, "KeyConditionExpression": Key("queue").eq(OPEN)}
        while True:
            answer = self.table.query(**query)
            items += answer.get("Items", [])
            if "LastEvaluatedKey" not in answer:
                break
            query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        return [_handoff(item) for item in items]


def _handoff(item: dict[str, Any]) -> Handoff:
    fields = {name: item[name] for name in Handoff.model_fields if name in item}
    return Handoff.model_validate(fields)
