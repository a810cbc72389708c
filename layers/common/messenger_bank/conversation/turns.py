"""The conversation Lambda's batch: FIFO order per chat, partial failures reported to SQS.

A record that fails leaves the rest of its chat's records in the batch unprocessed (they are
reported failed too), so a chat's messages never overtake each other; other chats go on.

A batch that ran out of time would come back whole, and the turns it had already taken would answer again
(seen under load, bench load): so a turn starts only while the function has its reserve of time left, and
the records after it are handed back to the queue as not yet taken — except on a record's last delivery,
which is taken anyway rather than left to the dead-letter queue.

The batch is walked here rather than by Powertools' batch utility: importing that utility once pydantic is loaded
imports its parser models for SQS, DynamoDB, Kinesis and Kafka, its event data classes and asyncio, 0.29x of
`import boto3` at every cold start of the function on every turn's path (issue 20).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.channels.models import InboundEvent
from messenger_bank.conversation.service import take_customer_turn, tell_something_went_wrong
from messenger_bank.conversation.settings import conversation_settings
from messenger_bank.observability import logger
from messenger_bank.webhooks.sealing import open_free_text
from messenger_bank.webhooks.service import correlation_id_of


class TurnDeferred(Exception):
    """Too little of the function's time left to take this turn: it goes back to the queue, untouched."""


class BatchFailed(Exception):
    """Every turn of the batch failed, none for want of time: a Lambda error (LambdaErrorsAlarm), and SQS hands the
    batch back whole."""


class QueueAttributes(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    receive_count: int = Field(alias="ApproximateReceiveCount", ge=1)
    # The chat (the FIFO message group): its records are taken in order, and one that fails holds back the rest.
    message_group_id: str = Field(alias="MessageGroupId", min_length=1)


class QueuedRecord(BaseModel):
    """One record of the inbound FIFO queue as the SQS event source hands it over: the fields a turn reads."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    message_id: str = Field(alias="messageId", min_length=1)
    body: str
    attributes: QueueAttributes
    message_attributes: dict[str, dict[str, Any]] = Field(alias="messageAttributes", default_factory=dict)

    @property
    def correlation_id(self) -> str | None:
        """The webhook's correlation id, carried as a message attribute."""
        value = self.message_attributes.get("correlation_id", {}).get("stringValue")
        return value if isinstance(value, str) and value else None


class QueuedBatch(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    records: tuple[QueuedRecord, ...] = Field(alias="Records")


def last_attempt(record: QueuedRecord) -> bool:
    """True when SQS will move this record to the dead-letter queue if it fails again."""
    return record.attributes.receive_count >= conversation_settings().inbound_max_receives


def handle_record(record: QueuedRecord, lambda_context: LambdaContext | None = None) -> None:
    if (
        lambda_context is not None
        and lambda_context.get_remaining_time_in_millis() < conversation_settings().turn_time_reserve_ms
        and not last_attempt(record)
    ):
        logger.info("turn deferred: too little time left in this batch", extra={"message_id": record.message_id})
        raise TurnDeferred(record.message_id)
    queued = InboundEvent.model_validate_json(record.body)
    logger.set_correlation_id(record.correlation_id or correlation_id_of(queued))
    logger.append_keys(chat_key=queued.chat.key, update_id=queued.update_id)
    event = queued
    try:
        event = open_free_text(queued)
        take_customer_turn(event)
    except Exception:
        if last_attempt(record) and event.kind != "undelivered":  # no apology for a message they never sent
            logger.exception("turn failed for the last time: the message goes to the dead-letter queue")
            tell_something_went_wrong(event)
        raise
    finally:
        logger.remove_keys(["chat_key", "update_id"])


def handle_batch(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Each record's turn in order; the records of a chat whose turn failed or was deferred, and the rest of that
    chat's, are reported as the batch's item failures (SQS hands them back, in order)."""
    batch = QueuedBatch.model_validate(event)
    failed: list[str] = []
    held_chats: set[str] = set()
    deferred = False
    for record in batch.records:
        chat = record.attributes.message_group_id
        if chat not in held_chats:
            try:
                handle_record(record, context)
                continue
            except TurnDeferred:
                deferred = True
            except Exception as exc:  # any failure: the chat's turns go back to the queue, in order
                # With its traceback, through our logger (redacted), where Powertools' processor logged it through
                # its own, which the redaction does not see.
                logger.warning(
                    "turn failed: the chat's records go back to the queue",
                    extra={"message_id": record.message_id, "error": type(exc).__name__},
                    exc_info=True,
                )
            held_chats.add(chat)
        failed.append(record.message_id)
    if failed and len(failed) == len(batch.records) and not deferred:
        raise BatchFailed(f"every one of the batch's {len(failed)} turns failed")
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
