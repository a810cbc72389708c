"""What every webhook Lambda does, whatever the messenger: check authenticity on the raw body, parse
the platform's payload into InboundEvents, queue each exactly once on the chat's FIFO group, and
answer at once. The conversation Lambda does the work from the queue.

Exactly once: the platform's own update id is the key of a Powertools idempotency record (kept as
long as the longest platform retry window), and the SQS FIFO deduplication id on top of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from messenger_bank.channels import adapter_for
from messenger_bank.channels.base import WebhookSecrets
from messenger_bank.channels.errors import MalformedUpdate, SignatureInvalid
from messenger_bank.channels.models import Button, InboundEvent, OutboundMessage
from messenger_bank.conversation.catalogue import text
from messenger_bank.http import HttpAnswer, HttpRequest, short_answer
from messenger_bank.observability import logger, metrics
from messenger_bank.secrets import secret
from messenger_bank.types import LANGUAGES, Channel, Language
from messenger_bank.webhooks.sealing import seal_free_text
from messenger_bank.webhooks.settings import webhook_settings

# Bodies above this are refused before parsing: no platform sends a customer update this large.
MAX_BODY_BYTES = 256 * 1024
# WhatsApp retries for up to 7 days, the longest of the four; a record outliving it costs nothing.
DEDUPE_SECONDS = 8 * 24 * 3600
# How old the platform's own timestamp of an update may be before it is dropped (acknowledged, never acted
# on): the platform's longest redelivery plus margin, so a legitimately delayed retry always passes, and
# below DEDUPE_SECONDS, so a captured signed body replayed later is either a duplicate or stale. Telegram
# keeps an unconfirmed update for 24 h; Meta retries WhatsApp and Messenger for up to 7 days; Viber does not
# document a shorter limit, so it gets Meta's.
MAX_UPDATE_AGE: dict[Channel, timedelta] = {
    "telegram": timedelta(hours=25),
    "viber": timedelta(days=7, hours=6),
    "whatsapp": timedelta(days=7, hours=6),
    "messenger": timedelta(days=7, hours=6),
}
# A platform's clock ahead of ours by more than this is not a real update either.
MAX_CLOCK_AHEAD = timedelta(minutes=5)


class QueuedUpdate(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    message_id: str


@cache
def _sqs() -> Any:
    return boto3.client("sqs")


def correlation_id_of(event: InboundEvent) -> str:
    """One id for everything a customer action causes: derived from the platform's update id, so a
    retried webhook carries the same one. It follows the update through the queue, the conversation,
    the operations and the journeys (see messenger_bank.handlers)."""
    return f"{event.chat.channel}-{event.update_id}"


def queue_event(event: InboundEvent) -> QueuedUpdate:
    """Put one event on the inbound FIFO queue: one ordered group per chat; free text holding a card or
    document number goes sealed (webhooks/sealing.py), so the queue and its dead-letter queue never hold one."""
    dedupe_id = hashlib.sha256(f"{event.chat.channel}:{event.update_id}".encode()).hexdigest()
    response = _sqs().send_message(
        QueueUrl=webhook_settings().inbound_queue_url,
        MessageBody=seal_free_text(event).model_dump_json(),
        MessageGroupId=event.chat.key,
        MessageDeduplicationId=dedupe_id,
        MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": correlation_id_of(event)}},
    )
    return QueuedUpdate(message_id=response["MessageId"])


@cache
def _idempotency_config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="[chat.channel, update_id]",
        expires_after_seconds=DEDUPE_SECONDS,
        raise_on_no_idempotency_key=True,
        response_hook=_count_duplicate,
    )


def _count_duplicate(response: Any, idempotent_data: DataRecord) -> Any:
    """Powertools calls this when it answers from a stored record: the platform sent the update again."""
    # Same dimensions as WebhooksReceived (the channel was set by accept_update for this invocation).
    metrics.add_metric(name="WebhooksDuplicate", unit="Count", value=1)
    return response


@cache
def _queue_once() -> Callable[..., QueuedUpdate]:
    """queue_event behind an idempotency record keyed on channel and the platform's update id."""
    store = DynamoDBPersistenceLayer(table_name=webhook_settings().idempotency_table)
    config = _idempotency_config()

    @idempotent_function(  # type: ignore[untyped-decorator]  # Powertools' decorator is untyped
        data_keyword_argument="event",
        persistence_store=store,
        config=config,
        output_serializer=PydanticSerializer(QueuedUpdate),
    )
    def queue_once(*, event: InboundEvent) -> QueuedUpdate:
        return queue_event(event)

    typed: Callable[..., QueuedUpdate] = queue_once
    return typed


def webhook_secrets(channel: Channel) -> WebhookSecrets:
    """Only the secret this messenger's check needs is read."""
    if channel == "telegram":
        return WebhookSecrets(telegram_secret_token=secret("TELEGRAM_SECRET_TOKEN"))
    if channel == "viber":
        return WebhookSecrets(viber_auth_token=secret("VIBER_AUTH_TOKEN"))
    return WebhookSecrets(meta_app_secret=secret("META_APP_SECRET"), meta_verify_token=secret("META_VERIFY_TOKEN"))


def is_fresh(event: InboundEvent, now: datetime) -> bool:
    """Whether the platform's timestamp of `event` is within its channel's redelivery window (see MAX_UPDATE_AGE)."""
    return now - MAX_UPDATE_AGE[event.chat.channel] <= event.sent_at <= now + MAX_CLOCK_AHEAD


def accept_update(
    channel: Channel,
    request: HttpRequest,
    *,
    secrets: Callable[[Channel], WebhookSecrets] = webhook_secrets,
    enqueue: Callable[[InboundEvent], QueuedUpdate] | None = None,
    lambda_context: LambdaContext | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> HttpAnswer:
    """Handle one POSTed webhook; the answer's status is what the platform sees."""
    adapter = adapter_for(channel)
    metrics.add_dimension(name="channel", value=channel)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        metrics.add_metric(name="WebhooksRefused", unit="Count", value=1)
        return short_answer(413, "body too large")
    try:
        adapter.verify(request.headers, body, secrets(channel))
    except SignatureInvalid:
        logger.warning("webhook refused: bad signature", extra={"channel": channel})
        metrics.add_metric(name="WebhooksRefused", unit="Count", value=1)
        return short_answer(401, "unauthorized")
    try:
        events = adapter.parse(body)
    except MalformedUpdate as exc:
        logger.warning("webhook refused: malformed body", extra={"channel": channel, "reason": str(exc)[:200]})
        metrics.add_metric(name="WebhooksRefused", unit="Count", value=1)
        return short_answer(400, "malformed update")
    if lambda_context is not None:  # the idempotency record's lock lasts no longer than this invocation
        _idempotency_config().register_lambda_context(lambda_context)
    queue_once = enqueue or (lambda event: _queue_once()(event=event))
    current = now()
    stale = [event for event in events if not is_fresh(event, current)]
    if stale:
        # Acknowledged (a 4xx would only make the platform retry it), never acted on.
        logger.warning("webhook: stale updates dropped", extra={"channel": channel, "count": len(stale)})
        metrics.add_metric(name="WebhooksStale", unit="Count", value=len(stale))
        events = [event for event in events if is_fresh(event, current)]
    for event in events:
        logger.set_correlation_id(correlation_id_of(event))
        queued = queue_once(event)
        logger.info(
            "update queued",
            extra={
                "channel": channel,
                "kind": event.kind,
                "media": event.media,  # which media (voice, sticker…), never its file id or URL
                "update_id": event.update_id,
                "sqs_id": queued.message_id,
            },
        )
    metrics.add_metric(name="WebhooksReceived", unit="Count", value=1)
    if adapter.awaits_welcome(body):
        # The update is queued as well (its deep-link referral counts); the conversation's own greeting
        # cannot reach a person who has not subscribed, this answer can.
        language = events[0].language_hint if events else None
        return HttpAnswer(status=200, body=json.dumps(adapter.render_welcome(welcome(language)), ensure_ascii=False))
    return short_answer(200, "ok")


def welcome(language: str | None) -> OutboundMessage:
    """What a person who has just opened the chat sees first: the greeting, "get a card" and the menu."""
    lang: Language = language if language in LANGUAGES else "ru"
    return OutboundMessage(
        text=text("menu.greeting", lang),
        buttons=(
            (Button(label=text("menu.get_card", lang), payload="g:go:onboarding"),),
            (Button(label=text("nav.menu", lang), payload="g:menu"),),
        ),
    )


def answer_challenge(
    channel: Channel, query: Mapping[str, str], *, secrets: Callable[[Channel], WebhookSecrets] = webhook_secrets
) -> HttpAnswer:
    """Meta's GET subscription handshake: echo hub.challenge when the verify token matches."""
    try:
        challenge = adapter_for(channel).verify_challenge(query, secrets(channel))
    except SignatureInvalid:
        return short_answer(403, "forbidden")
    return HttpAnswer(status=200, body=challenge, headers={"content-type": "text/plain"})
