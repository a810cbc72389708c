"""A message holding a card, passport or personal number goes on the inbound queue sealed (chat-data key,
purpose chat-text), so neither the queue nor its dead-letter queue holds the number; the conversation gets the
text back. Through accept_update into a real (moto) FIFO queue, and back out through the worker's record
handler."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import SecretStr

from messenger_bank.channels.base import WebhookSecrets
from messenger_bank.channels.models import InboundEvent
from messenger_bank.conversation import turns
from messenger_bank.http import HttpRequest
from messenger_bank.security import sealing
from messenger_bank.security.sealing import SealBroken
from messenger_bank.webhooks import service
from messenger_bank.webhooks.sealing import open_free_text
from messenger_bank.webhooks.service import accept_update
from tests.support.aws import create_table

EVENTS = Path(__file__).resolve().parents[3] / "events"
SECRETS = WebhookSecrets(telegram_secret_token=SecretStr("tg-secret"))


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setattr(service, "is_fresh", lambda _event, _now: True)  # recorded samples have fixed dates
    for cached in (service._queue_once, service._sqs, sealing.kms_client, sealing.chat_sealer):
        cached.cache_clear()
    with mock_aws():
        monkeypatch.setenv("IDEMPOTENCY_TABLE", create_table(boto3.client("dynamodb"), "IdempotencyTable"))
        url = boto3.client("sqs").create_queue(
            QueueName="inbound.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
        )["QueueUrl"]
        monkeypatch.setenv("INBOUND_QUEUE_URL", url)
        monkeypatch.setenv("CHAT_DATA_KEY_ID", boto3.client("kms").create_key()["KeyMetadata"]["KeyId"])
        yield url
    for cached in (service._queue_once, service._sqs, sealing.kms_client, sealing.chat_sealer):
        cached.cache_clear()


def post(text: str, *, update_id: int = 500) -> None:
    body = json.loads((EVENTS / "telegram" / "text.json").read_bytes())
    body["update_id"] = update_id
    body["message"]["text"] = text
    request = HttpRequest(
        headers={"content-type": "application/json", "x-telegram-bot-api-secret-token": "tg-secret"},
        body=json.dumps(body, ensure_ascii=False).encode(),
    )
    assert accept_update("telegram", request, secrets=lambda _c: SECRETS).status == 200


def queued_bodies(url: str) -> list[str]:
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
    return [m["Body"] for m in messages.get("Messages", [])]


def worker_reads(body: str, monkeypatch: pytest.MonkeyPatch) -> InboundEvent:
    """What the conversation Lambda's record handler hands to the turn for this queue body."""
    taken: list[InboundEvent] = []
    monkeypatch.setattr(turns, "take_customer_turn", taken.append)
    record = {
        "messageId": "1",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "telegram:1"},
        "messageAttributes": {},
    }
    turns.handle_record(turns.QueuedRecord.model_validate(record))
    (event,) = taken
    return event


def kms_calls() -> list[str]:
    calls: list[str] = []
    sealing.kms_client().meta.events.register("before-call.kms.*", lambda model, **_: calls.append(model.name))
    return calls


# Written here, not taken from the code: the number's significant characters, looked for in the body with
# every space and dash taken out, and its digits among all the body's digits.
def holds(body: str, secret: str) -> bool:
    compact = re.sub(r"[\s\-]", "", body).upper()
    return secret in compact or (secret.isdigit() and secret in re.sub(r"\D", "", body))


@pytest.mark.parametrize(
    ("typed", "secret"),
    [
        ("переведи на 4222 2222 2222 2", "4222222222222"),  # 13 digits
        ("карта 3782 822463 10005", "378282246310005"),  # 15 digits, Amex grouping
        ("4111-1111-1111-1111 срочно", "4111111111111111"),
        ("6222020000000000000", "6222020000000000000"),  # 19 digits
        ("мой паспорт кн 765 43 21", "7654321"),  # Cyrillic look-alikes, spaced
        ("3170590A001PB5", "3170590A001PB5"),  # a personal number
    ],
)
def test_a_number_typed_in_the_chat_is_not_in_the_queue_and_the_worker_reads_it_whole(
    queue: str, monkeypatch: pytest.MonkeyPatch, typed: str, secret: str
) -> None:
    post(typed)

    (body,) = queued_bodies(queue)
    assert holds(f"text: {typed}", secret)  # the oracle finds it where it is
    assert not holds(body, secret)
    assert "Mario" not in body  # the profile name goes sealed with the text
    event = worker_reads(body, monkeypatch)
    assert (event.text, event.user_name, event.sealed_text) == (typed, "Mario Bros", None)
    assert (event.chat.key, event.update_id, event.message_id) == ("telegram:12345678", "500", "123456")


def test_ids_stay_clear_in_a_sealed_message_for_ordering_and_deletion(queue: str) -> None:
    post("4111 1111 1111 1111")

    queued = json.loads(queued_bodies(queue)[0])
    assert queued["text"] is None and queued["sealed_text"]
    assert (queued["chat"], queued["update_id"], queued["message_id"], queued["kind"]) == (
        {"channel": "telegram", "chat_id": "12345678"},
        "500",
        "123456",
        "text",
    )


@pytest.mark.parametrize("typed", ["перевести 50 рублей", "422222222222", "4222222222223", "+375291234567"])
def test_a_message_with_nothing_personal_is_queued_clear_without_calling_kms(
    queue: str, monkeypatch: pytest.MonkeyPatch, typed: str
) -> None:
    calls = kms_calls()
    post(typed)

    (body,) = queued_bodies(queue)
    assert json.loads(body)["text"] == typed and json.loads(body)["sealed_text"] is None
    assert worker_reads(body, monkeypatch).text == typed
    assert calls == []


def test_a_sealed_text_moved_to_another_update_does_not_open(queue: str) -> None:
    post("4111 1111 1111 1111")
    queued: dict[str, Any] = json.loads(queued_bodies(queue)[0])

    assert open_free_text(InboundEvent.model_validate(queued)).text == "4111 1111 1111 1111"
    for moved in ({**queued, "update_id": "501"}, {**queued, "chat": {"channel": "telegram", "chat_id": "999"}}):
        with pytest.raises(SealBroken):
            open_free_text(InboundEvent.model_validate(moved))
