"""A batch that runs short of time hands its remaining turns back to the queue instead of timing out whole
(a timed-out batch comes back entire, and the turns it had taken answer again); a chat whose turn fails has the rest
of its records handed back, in order, while other chats go on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from messenger_bank.channels.models import ChatRef, InboundEvent
from messenger_bank.conversation import turns
from messenger_bank.conversation.settings import conversation_settings

RESERVE_MS = 4000


@dataclass
class Clock:
    """A Lambda context whose remaining time is read from a list, one value a call (the last one repeats)."""

    remaining: list[int]
    asked: int = 0
    function_name: str = "conversation"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:eu-central-1:123456789012:function:conversation"
    aws_request_id: str = "req-1"
    log_group_name: str = "/aws/lambda/conversation"
    log_stream_name: str = "stream"
    extra: dict[str, Any] = field(default_factory=dict)

    def get_remaining_time_in_millis(self) -> int:
        value = self.remaining[min(self.asked, len(self.remaining) - 1)]
        self.asked += 1
        return value


def record(number: int, chat: str, receive_count: int = 1) -> dict[str, Any]:
    event = InboundEvent(
        chat=ChatRef(channel="telegram", chat_id=chat),
        update_id=str(number),
        kind="text",
        user_id=chat,
        text=f"message {number}",
        sent_at=datetime(2026, 12, 7, 10, 0, tzinfo=UTC),
    )
    return {
        "messageId": f"m{number}",
        "receiptHandle": f"h{number}",
        "body": event.model_dump_json(),
        "attributes": {"ApproximateReceiveCount": str(receive_count), "MessageGroupId": f"telegram:{chat}"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:inbound.fifo",
    }


@pytest.fixture(autouse=True)
def taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    monkeypatch.setenv("TURN_TIME_RESERVE_MS", str(RESERVE_MS))
    monkeypatch.setenv("INBOUND_MAX_RECEIVES", "3")
    conversation_settings.cache_clear()
    taken: list[str] = []
    monkeypatch.setattr(turns, "open_free_text", lambda event: event)
    monkeypatch.setattr(turns, "take_customer_turn", lambda event: taken.append(event.update_id))
    yield taken
    conversation_settings.cache_clear()


def failed_ids(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def test_with_time_enough_every_turn_is_taken(taken: list[str]) -> None:
    batch = {"Records": [record(1, "a"), record(2, "b"), record(3, "a")]}
    response = turns.handle_batch(batch, Clock([9000]))  # type: ignore[arg-type]
    assert (taken, failed_ids(response)) == (["1", "2", "3"], [])


def test_turns_after_the_time_runs_short_go_back_to_the_queue_untaken(taken: list[str]) -> None:
    # the first two turns start with 9 s and 5 s left; the third would start with 3.9 s, under the reserve
    batch = {"Records": [record(1, "a"), record(2, "b"), record(3, "c"), record(4, "a")]}
    response = turns.handle_batch(batch, Clock([9000, 5000, RESERVE_MS - 100]))  # type: ignore[arg-type]
    assert taken == ["1", "2"]
    assert failed_ids(response) == ["m3", "m4"]


def test_the_reserve_itself_is_time_enough(taken: list[str]) -> None:
    response = turns.handle_batch({"Records": [record(1, "a")]}, Clock([RESERVE_MS]))  # type: ignore[arg-type]
    assert (taken, failed_ids(response)) == (["1"], [])


def test_a_records_last_delivery_is_taken_even_short_of_time(taken: list[str]) -> None:
    # deferring it again would hand it to the dead-letter queue: the customer's message would be lost
    batch = {"Records": [record(1, "a", receive_count=3), record(2, "b", receive_count=2)]}
    response = turns.handle_batch(batch, Clock([100]))  # type: ignore[arg-type]
    assert taken == ["1"]
    assert failed_ids(response) == ["m2"]


def test_a_deferred_turn_is_not_apologised_for(taken: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    apologies: list[InboundEvent] = []
    monkeypatch.setattr(turns, "tell_something_went_wrong", apologies.append)
    turns.handle_batch({"Records": [record(1, "a", receive_count=2)]}, Clock([100]))  # type: ignore[arg-type]
    assert (taken, apologies) == ([], [])


def test_the_body_of_a_deferred_record_is_not_read(taken: list[str]) -> None:
    broken = {**record(1, "a"), "body": json.dumps({"not": "an event"})}
    response = turns.handle_batch({"Records": [broken]}, Clock([100]))  # type: ignore[arg-type]
    assert (taken, failed_ids(response)) == ([], ["m1"])


def test_a_batch_whose_every_turn_is_deferred_is_handed_back_not_raised(taken: list[str]) -> None:
    response = turns.handle_batch({"Records": [record(1, "a"), record(2, "b")]}, Clock([100]))  # type: ignore[arg-type]
    assert failed_ids(response) == ["m1", "m2"]


def test_a_batch_whose_every_turn_fails_for_another_reason_is_still_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(event: InboundEvent) -> None:
        raise RuntimeError("the sessions table is gone")

    monkeypatch.setattr(turns, "take_customer_turn", broken)
    with pytest.raises(turns.BatchFailed):
        turns.handle_batch({"Records": [record(1, "a")]}, Clock([9000]))  # type: ignore[arg-type]


def test_a_failed_turn_holds_back_the_rest_of_its_chat_and_no_other(monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[str] = []

    def turn(event: InboundEvent) -> None:
        if event.update_id == "1":
            raise RuntimeError("the bank did not answer")
        taken.append(event.update_id)

    monkeypatch.setattr(turns, "take_customer_turn", turn)
    batch = {"Records": [record(1, "a"), record(2, "b"), record(3, "a"), record(4, "b")]}

    response = turns.handle_batch(batch, Clock([9000]))  # type: ignore[arg-type]

    # chat a's second message must not overtake its first: both go back to the queue; chat b is answered
    assert (taken, failed_ids(response)) == (["2", "4"], ["m1", "m3"])


def test_a_batch_whose_records_are_not_a_fifo_queues_is_refused_whole(taken: list[str]) -> None:
    unordered = record(1, "a")
    del unordered["attributes"]["MessageGroupId"]

    with pytest.raises(ValidationError):
        turns.handle_batch({"Records": [unordered, record(2, "b")]}, Clock([9000]))  # type: ignore[arg-type]
    assert taken == []


def test_a_turn_is_logged_under_the_correlation_id_its_webhook_queued_it_with(taken: list[str]) -> None:
    carried = {
        **record(1, "a"),
        "messageAttributes": {"correlation_id": {"stringValue": "corr-7", "dataType": "String"}},
    }

    turns.handle_batch({"Records": [carried]}, Clock([9000]))  # type: ignore[arg-type]

    assert (taken, turns.logger.get_correlation_id()) == (["1"], "corr-7")
