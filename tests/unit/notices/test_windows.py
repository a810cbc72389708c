"""The 24 h window the bank keeps per WhatsApp and Messenger chat, on both sides of its edge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from messenger_bank.notices.windows import WindowsRepository, customer_wrote, window_open

WROTE = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
CHAT = "whatsapp:375291112233"
# The window is 24 h; a notice stops going free-form 5 minutes before it closes (written apart from the code).
LAST_FREE_MOMENT = WROTE + timedelta(hours=24) - timedelta(minutes=5) - timedelta(seconds=1)


def test_a_chat_that_never_wrote_has_no_open_window(windows: WindowsRepository) -> None:
    assert not window_open("whatsapp", CHAT, WROTE, repository=windows)


def test_the_window_is_open_until_five_minutes_before_a_day_has_passed(windows: WindowsRepository) -> None:
    customer_wrote("whatsapp", CHAT, WROTE, repository=windows)
    assert window_open("whatsapp", CHAT, LAST_FREE_MOMENT, repository=windows)


def test_the_window_is_taken_for_closed_from_five_minutes_before_a_day_has_passed(windows: WindowsRepository) -> None:
    customer_wrote("whatsapp", CHAT, WROTE, repository=windows)
    assert not window_open("whatsapp", CHAT, LAST_FREE_MOMENT + timedelta(seconds=1), repository=windows)


def test_a_later_message_keeps_it_open_longer(windows: WindowsRepository) -> None:
    customer_wrote("messenger", CHAT, WROTE, repository=windows)
    customer_wrote("messenger", CHAT, WROTE + timedelta(hours=3), repository=windows)
    assert window_open("messenger", CHAT, LAST_FREE_MOMENT + timedelta(hours=3), repository=windows)


def test_an_older_message_handled_late_never_shortens_it(windows: WindowsRepository) -> None:
    customer_wrote("whatsapp", CHAT, WROTE + timedelta(hours=3), repository=windows)
    customer_wrote("whatsapp", CHAT, WROTE, repository=windows)
    assert window_open("whatsapp", CHAT, LAST_FREE_MOMENT + timedelta(hours=3), repository=windows)


def test_the_record_expires_with_the_window(windows: WindowsRepository) -> None:
    customer_wrote("whatsapp", CHAT, WROTE, repository=windows)
    item = windows.table.get_item(Key={"pk": f"WINDOW#{CHAT}", "sk": "WINDOW"})["Item"]
    assert int(item["expires_at"]) == int((WROTE + timedelta(hours=24)).timestamp())


def test_one_chats_window_is_not_anothers(windows: WindowsRepository) -> None:
    customer_wrote("whatsapp", CHAT, WROTE, repository=windows)
    assert not window_open("whatsapp", "whatsapp:375290000000", WROTE, repository=windows)


@pytest.mark.parametrize("channel", ["telegram", "viber"])
def test_messengers_without_a_window_are_always_open_and_keep_nothing(windows: WindowsRepository, channel: str) -> None:
    customer_wrote(channel, f"{channel}:1", WROTE, repository=windows)  # type: ignore[arg-type]
    assert windows.table.scan()["Items"] == []
    assert window_open(channel, f"{channel}:1", WROTE + timedelta(days=30), repository=windows)  # type: ignore[arg-type]
