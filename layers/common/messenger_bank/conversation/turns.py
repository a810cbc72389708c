"""The conversation Lambda's batch: FIFO order per chat, partial failures reported to SQS.

A record that fails leaves the rest of its chat's records in the batch unprocessed (they are
reported failed too), so a chat's messages never overtake each other; other chats go on.

A batch that ran out of time would come back whole, and the turns it had already taken would answer again
(seen under load, bench load): so a turn starts only while the function has its reserve of time left, and
the records after it are handed back to the queue as not yet taken — except on a record's last delivery,
which is taken anyway rather than left to the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.channels.models import InboundEvent
from messenger_bank.conversation.service import take_customer_turn, tell_something_went_wrong
from messenger_bank.conversation.settings import conversation_settings
from messenger_bank.observability import logger
from messenger_bank.webhooks.sealing import open_free_text
from messenger_bank.webhooks.service import correlation_id_of


class TurnDeferred(Exception):
    """Too little of the function's time left to take this turn: it goes back to the queue, untouched."""


class _TurnsProcessor(SqsFifoPartialProcessor):
    """Powertools' FIFO processor, but a batch whose every record failed because turns were deferred is handed
    back as item failures, not raised: a deferral is not a Lambda error (LambdaErrorsAlarm)."""

    def _entire_batch_failed(self) -> bool:
        deferred = any(isinstance(exception[1], TurnDeferred) for exception in self.exceptions)
        return super()._entire_batch_failed() and not deferred


_processor = _TurnsProcessor(skip_group_on_error=True)


def last_attempt(record: SQSRecord) -> bool:
    """True when SQS will move this record to the dead-letter queue if it fails again."""
    return int(record.attributes.approximate_receive_count) >= conversation_settings().inbound_max_receives


def handle_record(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    if (
        lambda_context is not None
        and lambda_context.get_remaining_time_in_millis() < conversation_settings().turn_time_reserve_ms
        and not last_attempt(record)
    ):
        logger.info("turn deferred: too little time left in this batch", extra={"message_id": record.message_id})
        raise TurnDeferred(record.message_id)
    queued = InboundEvent.model_validate_json(record.body)
    attribute = record.raw_event.get("messageAttributes", {}).get("correlation_id") or {}
    logger.set_correlation_id(attribute.get("stringValue") or correlation_id_of(queued))
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
    response = process_partial_response(
        event=event, record_handler=handle_record, processor=_processor, context=context
    )
    return dict(response)
