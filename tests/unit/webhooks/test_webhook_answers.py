"""The webhook edge's contract, one thing at a time: the answer each platform gets (status and body), the metrics
alarms count, the secrets each messenger's check is given, the welcome Viber shows from the answer, the queued
message's correlation id, and the size limit on both sides."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from messenger_bank.channels import adapter_for
from messenger_bank.channels.base import WebhookSecrets
from messenger_bank.channels.models import ChatRef, InboundEvent
from messenger_bank.conversation.catalogue import text
from messenger_bank.http import HttpAnswer, HttpRequest
from messenger_bank.observability import logger, metrics
from messenger_bank.types import Channel
from messenger_bank.webhooks import service
from messenger_bank.webhooks.service import (
    MAX_BODY_BYTES,
    MAX_CLOCK_AHEAD,
    MAX_UPDATE_AGE,
    accept_update,
    answer_challenge,
    is_fresh,
    queue_event,
    webhook_secrets,
    welcome,
)
from tests.support.aws import create_table
from tests.unit.webhooks.test_webhook_service import EVENTS, SECRETS, Queue, signed

CHANNELS: list[Channel] = ["telegram", "viber", "whatsapp", "messenger"]
Metrics = Callable[[], dict[str, tuple[str, float]]]


def always_fresh(_event: InboundEvent, _now: datetime) -> bool:
    return True


@pytest.fixture
def recorded_samples_count_as_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """The samples are recordings with fixed dates; their age is what test_stale_updates.py checks."""
    monkeypatch.setattr(service, "is_fresh", always_fresh)


def text_body(channel: Channel) -> bytes:
    return (EVENTS / channel / "text.json").read_bytes()


def deliver(channel: Channel, request: HttpRequest, queue: Queue | None = None) -> HttpAnswer:
    return accept_update(channel, request, secrets=lambda _c: SECRETS, enqueue=queue or Queue())


# --- the answer and the metrics of each outcome ---------------------------------------------------------------------
@pytest.mark.usefixtures("recorded_samples_count_as_fresh")
@pytest.mark.parametrize("channel", CHANNELS)
def test_a_queued_update_is_answered_ok_and_counted_received(channel: Channel, emitted_metrics: Metrics) -> None:
    answer = deliver(channel, signed(channel, text_body(channel)))

    assert (answer.status, json.loads(answer.body)) == (200, {"message": "ok"})
    assert emitted_metrics() == {"WebhooksReceived": ("Count", 1.0)}
    assert metrics.dimension_set == {"channel": channel}


@pytest.mark.parametrize(
    ("refusal", "request_of", "status", "message"),
    [
        ("wrong signature", lambda c: signed(c, text_body(c), wrong=True), 401, "unauthorized"),
        ("malformed body", lambda c: signed(c, b"{not json"), 400, "malformed update"),
        ("body too large", lambda c: signed(c, b"x" * (MAX_BODY_BYTES + 1)), 413, "body too large"),
    ],
)
@pytest.mark.parametrize("channel", CHANNELS)
def test_a_refused_update_gets_its_status_and_is_counted_refused_once(
    channel: Channel,
    refusal: str,
    request_of: Callable[[Channel], HttpRequest],
    status: int,
    message: str,
    emitted_metrics: Metrics,
) -> None:
    queue = Queue()

    answer = deliver(channel, request_of(channel), queue)

    assert (answer.status, json.loads(answer.body)) == (status, {"message": message})
    assert emitted_metrics() == {"WebhooksRefused": ("Count", 1.0)}
    assert metrics.dimension_set == {"channel": channel}
    assert queue.events == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_stale_updates_are_counted_by_how_many_were_dropped(channel: Channel, emitted_metrics: Metrics) -> None:
    body = text_body(channel)
    (event,) = adapter_for(channel).parse(body)
    queue = Queue()
    too_late = event.sent_at + MAX_UPDATE_AGE[channel] + timedelta(seconds=1)

    answer = accept_update(
        channel, signed(channel, body), secrets=lambda _c: SECRETS, enqueue=queue, now=lambda: too_late
    )

    assert answer.status == 200
    assert emitted_metrics() == {"WebhooksStale": ("Count", 1.0), "WebhooksReceived": ("Count", 1.0)}
    assert queue.events == []


# --- the size limit, on both sides ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("size", "status"), [(MAX_BODY_BYTES, 401), (MAX_BODY_BYTES + 1, 413)])
def test_a_body_of_exactly_the_limit_is_still_checked_and_one_byte_more_is_too_large(size: int, status: int) -> None:
    # The wrong signature makes the check refuse it: a 401 shows the size alone did not.
    answer = deliver("viber", signed("viber", b"x" * size, wrong=True))

    assert answer.status == status


# --- freshness at the exact edges of the window ---------------------------------------------------------------------
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INSTANT = timedelta(microseconds=1)


def stamped(channel: Channel, sent_at: datetime) -> InboundEvent:
    return InboundEvent(
        chat=ChatRef(channel=channel, chat_id="42"),
        update_id="7",
        kind="text",
        user_id="42",
        text="hi",
        sent_at=sent_at,
    )


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("case", "sent_at", "fresh"),
    [
        ("exactly as old as the window", lambda c: NOW - MAX_UPDATE_AGE[c], True),
        ("an instant older than the window", lambda c: NOW - MAX_UPDATE_AGE[c] - INSTANT, False),
        ("exactly as far ahead as allowed", lambda _c: NOW + MAX_CLOCK_AHEAD, True),
        ("an instant further ahead", lambda _c: NOW + MAX_CLOCK_AHEAD + INSTANT, False),
        ("sent now", lambda _c: NOW, True),
    ],
)
def test_freshness_at_the_edges_of_the_window(
    channel: Channel, case: str, sent_at: Callable[[Channel], datetime], fresh: bool
) -> None:
    assert is_fresh(stamped(channel, sent_at(channel)), NOW) is fresh


# --- the welcome Viber shows from the answer ------------------------------------------------------------------------
@pytest.mark.usefixtures("recorded_samples_count_as_fresh")
def test_the_viber_welcome_is_in_the_persons_language_and_sent_as_utf8() -> None:
    # The sample's user has Viber in Belarusian ("language": "be").
    answer = deliver("viber", signed("viber", (EVENTS / "viber" / "start_with_referral.json").read_bytes()))

    greeting = text("menu.greeting", "be")
    assert greeting in answer.body  # the letters themselves, not \\u escapes
    shown = json.loads(answer.body)
    assert shown["text"] == greeting
    assert [button["Text"] for button in shown["keyboard"]["Buttons"]] == [
        text("menu.get_card", "be"),
        text("nav.menu", "be"),
    ]


@pytest.mark.parametrize(
    ("language", "shown_in"), [("ru", "ru"), ("be", "be"), ("en", "en"), ("de", "ru"), (None, "ru")]
)
def test_the_welcome_is_in_a_language_the_bank_speaks_and_russian_otherwise(
    language: str | None, shown_in: str
) -> None:
    message = welcome(language)

    assert message.text == text("menu.greeting", shown_in)
    assert [[(b.label, b.payload) for b in row] for row in message.buttons] == [
        [(text("menu.get_card", shown_in), "g:go:onboarding")],
        [(text("nav.menu", shown_in), "g:menu")],
    ]


# --- the logs of a queued update carry its correlation id -----------------------------------------------------------
@pytest.mark.usefixtures("recorded_samples_count_as_fresh")
def test_the_logs_of_a_queued_update_carry_its_correlation_id() -> None:
    body = text_body("telegram")
    (event,) = adapter_for("telegram").parse(body)
    logger.set_correlation_id(None)

    deliver("telegram", signed("telegram", body))

    assert logger.get_correlation_id() == f"telegram-{event.update_id}"


# --- Meta's handshake: the answer, and whose secrets are asked for --------------------------------------------------
@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
def test_the_handshake_answers_the_challenge_as_plain_text_with_the_channels_secrets(channel: Channel) -> None:
    asked: list[Channel] = []

    def secrets(asked_for: Channel) -> WebhookSecrets:
        asked.append(asked_for)
        return SECRETS

    query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}

    answer = answer_challenge(channel, query, secrets=secrets)

    assert answer == HttpAnswer(status=200, body="1158201444", headers={"content-type": "text/plain"})
    assert asked == [channel]


def test_a_wrong_handshake_is_answered_forbidden() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "42"}

    answer = answer_challenge("whatsapp", query, secrets=lambda _c: SECRETS)

    assert (answer.status, json.loads(answer.body)) == (403, {"message": "forbidden"})


# --- with the real queue, idempotency store and Parameter Store (moto) ----------------------------------------------
SSM_VALUES = {
    "telegram/secret-token": "tg-from-ssm",
    "viber/auth-token": "viber-from-ssm",
    "meta/app-secret": "meta-app-from-ssm",
    "meta/verify-token": "meta-verify-from-ssm",
}


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        table = create_table(boto3.client("dynamodb"), "IdempotencyTable")
        queue = boto3.client("sqs").create_queue(
            QueueName="inbound.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
        )["QueueUrl"]
        monkeypatch.setenv("IDEMPOTENCY_TABLE", table)
        monkeypatch.setenv("INBOUND_QUEUE_URL", queue)
        monkeypatch.setenv("SECRETS_PREFIX", "/edge")
        for path, value in SSM_VALUES.items():
            boto3.client("ssm").put_parameter(Name=f"/edge/{path}", Value=value, Type="SecureString")
        parameters.clear_caches()
        service._queue_once.cache_clear()
        service._sqs.cache_clear()
        service._idempotency_config.cache_clear()
        yield queue
        parameters.clear_caches()
        service._queue_once.cache_clear()
        service._sqs.cache_clear()
        service._idempotency_config.cache_clear()


def revealed(secrets: WebhookSecrets) -> dict[str, str | None]:
    return {
        name: (value.get_secret_value() if value is not None else None) for name, value in secrets.model_dump().items()
    }


@pytest.mark.usefixtures("cloud")
@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("telegram", {"telegram_secret_token": "tg-from-ssm"}),
        ("viber", {"viber_auth_token": "viber-from-ssm"}),
        ("whatsapp", {"meta_app_secret": "meta-app-from-ssm", "meta_verify_token": "meta-verify-from-ssm"}),
        ("messenger", {"meta_app_secret": "meta-app-from-ssm", "meta_verify_token": "meta-verify-from-ssm"}),
    ],
)
def test_each_messengers_check_gets_only_its_own_secrets(channel: Channel, expected: dict[str, str]) -> None:
    nothing: dict[str, Any] = dict.fromkeys(WebhookSecrets.model_fields)

    assert revealed(webhook_secrets(channel)) == {**nothing, **expected}


def test_the_queued_message_carries_the_updates_correlation_id(cloud: str) -> None:
    event = stamped("viber", NOW)

    queue_event(event)

    (message,) = boto3.client("sqs").receive_message(
        QueueUrl=cloud, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    assert message["MessageAttributes"] == {"correlation_id": {"DataType": "String", "StringValue": "viber-7"}}


@dataclass
class FakeLambdaContext:
    """What Powertools reads of a Lambda context to bound the idempotency record's lock."""

    function_name: str = "webhook-telegram"
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 3000


@pytest.mark.usefixtures("cloud", "recorded_samples_count_as_fresh")
def test_the_invocations_context_bounds_the_idempotency_lock() -> None:
    context = FakeLambdaContext()
    secrets = WebhookSecrets(telegram_secret_token=SECRETS.telegram_secret_token)

    accept_update(
        "telegram", signed("telegram", text_body("telegram")), secrets=lambda _c: secrets, lambda_context=context
    )  # type: ignore[arg-type]

    assert service._idempotency_config().lambda_context is context


@pytest.mark.usefixtures("cloud", "recorded_samples_count_as_fresh")
def test_the_same_update_again_is_counted_duplicate_once(emitted_metrics: Metrics) -> None:
    request = signed("telegram", text_body("telegram"))

    first = accept_update("telegram", request, secrets=lambda _c: SECRETS)
    assert "WebhooksDuplicate" not in emitted_metrics()
    second = accept_update("telegram", request, secrets=lambda _c: SECRETS)

    assert (first.status, second.status) == (200, 200)
    assert emitted_metrics()["WebhooksDuplicate"] == ("Count", 1.0)
