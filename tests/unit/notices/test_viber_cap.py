"""Viber's cap as the bank counts it per chat: 100 bot messages within an hour without a reply, on both
sides of each edge; the customer's message starts the count again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from messenger_bank.notices.windows import WindowsRepository, bot_sent, cap_reached, customer_wrote

START = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
CHAT = "viber:01234567890A="
# Viber's published figures (creators.viber.com, Send a Message), written apart from the code.
VIBER_CAP = 100
HOUR = timedelta(hours=1)


def send(windows: WindowsRepository, count: int, at: datetime = START, chat: str = CHAT) -> None:
    for _ in range(count):
        bot_sent("viber", chat, at, repository=windows)


def test_a_chat_never_written_to_is_not_at_its_cap(windows: WindowsRepository) -> None:
    assert not cap_reached("viber", CHAT, START, repository=windows)


def test_one_message_short_of_the_cap_a_notice_may_still_go(windows: WindowsRepository) -> None:
    send(windows, VIBER_CAP - 1)
    assert not cap_reached("viber", CHAT, START, repository=windows)


def test_at_the_cap_no_more_may_go(windows: WindowsRepository) -> None:
    send(windows, VIBER_CAP)
    assert cap_reached("viber", CHAT, START, repository=windows)


def test_the_customers_message_starts_the_count_again(windows: WindowsRepository) -> None:
    send(windows, VIBER_CAP)
    customer_wrote("viber", CHAT, START, repository=windows)
    assert not cap_reached("viber", CHAT, START, repository=windows)


def test_the_cap_holds_until_the_hour_of_its_count_has_passed(windows: WindowsRepository) -> None:
    send(windows, VIBER_CAP)
    assert cap_reached("viber", CHAT, START + HOUR - timedelta(seconds=1), repository=windows)


def test_after_the_hour_of_its_count_the_cap_is_over(windows: WindowsRepository) -> None:
    send(windows, VIBER_CAP)
    assert not cap_reached("viber", CHAT, START + HOUR, repository=windows)


def test_a_message_after_the_hour_starts_a_new_count_at_one(windows: WindowsRepository) -> None:
    send(windows, VIBER_CAP)
    send(windows, 1, at=START + HOUR)
    item = windows.table.get_item(Key={"pk": f"WINDOW#{CHAT}", "sk": "WINDOW"})["Item"]
    assert (int(item["bot_sent"]), int(item["counted_since"])) == (1, int((START + HOUR).timestamp()))


def test_the_count_expires_with_its_hour(windows: WindowsRepository) -> None:
    send(windows, 1)
    item = windows.table.get_item(Key={"pk": f"WINDOW#{CHAT}", "sk": "WINDOW"})["Item"]
    assert int(item["expires_at"]) == int((START + HOUR).timestamp())


def test_a_customers_message_on_a_chat_never_counted_keeps_nothing(windows: WindowsRepository) -> None:
    customer_wrote("viber", CHAT, START, repository=windows)
    assert windows.table.scan()["Items"] == []


def test_one_chats_count_is_not_anothers(windows: WindowsRepository) -> None:
    send(windows, VIBER_CAP)
    assert not cap_reached("viber", "viber:other=", START, repository=windows)


@pytest.mark.parametrize("channel", ["telegram", "whatsapp", "messenger"])
def test_messengers_without_such_a_cap_count_nothing(windows: WindowsRepository, channel: str) -> None:
    for _ in range(VIBER_CAP):
        bot_sent(channel, f"{channel}:1", START, repository=windows)  # type: ignore[arg-type]
    assert windows.table.scan()["Items"] == []
    assert not cap_reached(channel, f"{channel}:1", START, repository=windows)  # type: ignore[arg-type]
