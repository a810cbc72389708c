"""Stale platform timestamps (issue 16): a signed update whose own timestamp is older than its platform's
longest redelivery is acknowledged and never queued; a legitimately delayed retry within it always is.
Each case is a recorded sample at its own timestamp, with only our clock moved."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from messenger_bank.channels import adapter_for
from messenger_bank.types import Channel
from messenger_bank.webhooks.service import DEDUPE_SECONDS, MAX_CLOCK_AHEAD, MAX_UPDATE_AGE, accept_update
from tests.unit.webhooks.test_webhook_service import EVENTS, SECRETS, Queue, signed

CHANNELS: list[Channel] = ["telegram", "viber", "whatsapp", "messenger"]
SECOND = timedelta(seconds=1)


def sample(channel: Channel) -> tuple[bytes, datetime]:
    """A recorded text update and the time the platform stamped on it."""
    body = (EVENTS / channel / "text.json").read_bytes()
    (event,) = adapter_for(channel).parse(body)
    return body, event.sent_at


def deliver(channel: Channel, age: timedelta) -> tuple[int, int]:
    """Deliver the sample `age` after its timestamp: (the answer's status, updates queued)."""
    body, stamped = sample(channel)
    queue = Queue()
    answer = accept_update(
        channel, signed(channel, body), secrets=lambda _c: SECRETS, enqueue=queue, now=lambda: stamped + age
    )
    return answer.status, len(queue.events)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(("shift", "queued"), [(-SECOND, 1), (+SECOND, 0)])
def test_an_update_is_dropped_one_second_past_its_platforms_window(
    channel: Channel, shift: timedelta, queued: int
) -> None:
    assert deliver(channel, MAX_UPDATE_AGE[channel] + shift) == (200, queued)


@pytest.mark.parametrize("channel", CHANNELS)
def test_an_update_from_a_clock_ahead_of_ours_is_dropped(channel: Channel) -> None:
    assert deliver(channel, -(MAX_CLOCK_AHEAD - SECOND)) == (200, 1)
    assert deliver(channel, -(MAX_CLOCK_AHEAD + SECOND)) == (200, 0)


def test_a_telegram_retry_after_a_day_is_still_taken() -> None:
    # Telegram keeps an update it could not deliver for 24 hours (Bot API, getUpdates / setWebhook).
    assert deliver("telegram", timedelta(hours=24)) == (200, 1)


@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
def test_a_meta_retry_after_a_week_is_still_taken(channel: Channel) -> None:
    # Meta retries a failed webhook delivery for up to 7 days.
    assert deliver(channel, timedelta(days=7)) == (200, 1)


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_window_ends_before_the_dedupe_record_does(channel: Channel) -> None:
    # A replay of a captured signed body is then either a duplicate or stale, never a new update.
    assert MAX_UPDATE_AGE[channel] < timedelta(seconds=DEDUPE_SECONDS)
