"""Every webhook: a wrong signature is refused before anything is parsed, a malformed body gets a 4xx,
and each update is queued exactly once however often the platform retries."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from pydantic import SecretStr

from messenger_bank.channels.base import WebhookSecrets
from messenger_bank.channels.models import InboundEvent
from messenger_bank.http import HttpRequest
from messenger_bank.types import Channel
from messenger_bank.webhooks import service
from messenger_bank.webhooks.service import QueuedUpdate, accept_update, answer_challenge
from tests.support.aws import create_table

EVENTS = Path(__file__).resolve().parents[3] / "events"
SECRETS = WebhookSecrets(
    telegram_secret_token=SecretStr("tg-secret"),
    viber_auth_token=SecretStr("viber-token"),
    meta_app_secret=SecretStr("meta-secret"),
    meta_verify_token=SecretStr("verify-me"),
)


def signed(channel: Channel, body: bytes, *, wrong: bool = False) -> HttpRequest:
    """A request carrying `body` with the header the platform would add."""
    if channel == "telegram":
        headers = {"x-telegram-bot-api-secret-token": "nope" if wrong else "tg-secret"}
    elif channel == "viber":
        key = b"other" if wrong else b"viber-token"
        headers = {"x-viber-content-signature": hmac.new(key, body, hashlib.sha256).hexdigest()}
    else:
        key = b"other" if wrong else b"meta-secret"
        headers = {"x-hub-signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()}
    return HttpRequest(headers={"content-type": "application/json", **headers}, body=body)


@pytest.fixture(autouse=True)
def recorded_samples_count_as_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """The samples are recordings with fixed dates; their age is what test_stale_updates.py checks."""
    monkeypatch.setattr(service, "is_fresh", lambda _event, _now: True)


class Queue:
    def __init__(self) -> None:
        self.events: list[InboundEvent] = []

    def __call__(self, event: InboundEvent) -> QueuedUpdate:
        self.events.append(event)
        return QueuedUpdate(message_id=f"m{len(self.events)}")


TEXT_SAMPLES: list[tuple[Channel, str]] = [
    ("telegram", "text.json"),
    ("viber", "text.json"),
    ("whatsapp", "text.json"),
    ("messenger", "text.json"),
]


@pytest.mark.parametrize(("channel", "sample"), TEXT_SAMPLES)
def test_a_signed_text_is_queued_and_answered_200(channel: Channel, sample: str) -> None:
    queue = Queue()
    body = (EVENTS / channel / sample).read_bytes()

    answer = accept_update(channel, signed(channel, body), secrets=lambda _c: SECRETS, enqueue=queue)

    assert answer.status == 200
    assert [event.kind for event in queue.events] == ["text"]
    assert queue.events[0].chat.channel == channel


def test_a_viber_user_who_opens_the_chat_is_welcomed_in_the_answer_and_the_start_is_queued() -> None:
    queue = Queue()
    body = (EVENTS / "viber" / "start_with_referral.json").read_bytes()

    answer = accept_update("viber", signed("viber", body), secrets=lambda _c: SECRETS, enqueue=queue)

    welcome = json.loads(answer.body)
    assert answer.status == 200
    assert welcome["type"] == "text" and welcome["sender"]["name"] and "receiver" not in welcome
    actions = [button["ActionBody"] for button in welcome["keyboard"]["Buttons"]]
    assert actions == ["mb:g:go:onboarding", "mb:g:menu"]
    assert [(event.kind, bool(event.referral)) for event in queue.events] == [("start", True)]


def test_a_subscribed_viber_user_is_greeted_by_the_conversation_not_the_answer() -> None:
    data = json.loads((EVENTS / "viber" / "start.json").read_bytes())
    body = json.dumps({**data, "subscribed": True}).encode()
    queue = Queue()

    answer = accept_update("viber", signed("viber", body), secrets=lambda _c: SECRETS, enqueue=queue)

    assert json.loads(answer.body) == {"message": "ok"}
    assert [event.kind for event in queue.events] == ["start"]


@pytest.mark.parametrize(("channel", "sample"), TEXT_SAMPLES)
def test_a_wrong_signature_is_refused_and_nothing_is_queued(channel: Channel, sample: str) -> None:
    queue = Queue()
    body = (EVENTS / channel / sample).read_bytes()

    answer = accept_update(channel, signed(channel, body, wrong=True), secrets=lambda _c: SECRETS, enqueue=queue)

    assert answer.status == 401
    assert queue.events == []


@pytest.mark.parametrize("channel", ["telegram", "viber", "whatsapp", "messenger"])
def test_a_malformed_body_gets_a_400_not_a_500(channel: Channel) -> None:
    queue = Queue()

    answer = accept_update(channel, signed(channel, b"{not json"), secrets=lambda _c: SECRETS, enqueue=queue)

    assert answer.status == 400
    assert queue.events == []


def test_an_oversized_body_is_refused_before_its_signature_is_even_checked() -> None:
    checked: list[Channel] = []

    def secrets(channel: Channel) -> WebhookSecrets:
        checked.append(channel)
        return SECRETS

    answer = accept_update("telegram", signed("telegram", b"x" * (300 * 1024)), secrets=secrets, enqueue=Queue())

    assert answer.status == 413
    assert checked == []


def test_a_delivery_receipt_is_acknowledged_and_ignored() -> None:
    queue = Queue()
    body = (EVENTS / "whatsapp" / "receipt_delivered.json").read_bytes()

    answer = accept_update("whatsapp", signed("whatsapp", body), secrets=lambda _c: SECRETS, enqueue=queue)

    assert answer.status == 200
    assert queue.events == []


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        table = create_table(boto3.client("dynamodb"), "IdempotencyTable")
        queue = boto3.client("sqs").create_queue(
            QueueName="inbound.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
        )["QueueUrl"]
        monkeypatch.setenv("IDEMPOTENCY_TABLE", table)
        monkeypatch.setenv("INBOUND_QUEUE_URL", queue)
        monkeypatch.setenv("SECRETS_PREFIX", "/test")
        ssm = boto3.client("ssm")
        ssm.put_parameter(Name="/test/telegram/secret-token", Value="tg-secret", Type="SecureString")
        ssm.put_parameter(Name="/test/meta/app-secret", Value="meta-secret", Type="SecureString")
        ssm.put_parameter(Name="/test/meta/verify-token", Value="verify-me", Type="SecureString")
        service._queue_once.cache_clear()
        service._sqs.cache_clear()
        yield queue
        service._queue_once.cache_clear()
        service._sqs.cache_clear()


def test_the_same_update_posted_three_times_is_queued_once(aws: str) -> None:
    body = (EVENTS / "telegram" / "text.json").read_bytes()

    answers = [accept_update("telegram", signed("telegram", body)).status for _ in range(3)]

    assert answers == [200, 200, 200]
    messages = boto3.client("sqs").receive_message(QueueUrl=aws, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    queued = InboundEvent.model_validate_json(messages[0]["Body"])
    assert queued.chat.key == "telegram:12345678"


def test_each_chat_is_its_own_fifo_group(aws: str) -> None:
    body = json.loads((EVENTS / "telegram" / "text.json").read_bytes())
    body["update_id"] += 1
    body["message"]["chat"]["id"] = body["message"]["from"]["id"] = 777

    accept_update("telegram", signed("telegram", json.dumps(body).encode()))

    messages = boto3.client("sqs").receive_message(
        QueueUrl=aws, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId"]
    )["Messages"]
    assert [m["Attributes"]["MessageGroupId"] for m in messages] == ["telegram:777"]


def test_meta_handshake_echoes_the_challenge_only_for_the_right_verify_token(aws: str) -> None:
    good = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"}
    bad = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "42"}

    assert answer_challenge("whatsapp", good).body == "42"
    assert answer_challenge("messenger", bad).status == 403
