"""A free-form WhatsApp notice kept for its status webhook, and the window closed when WhatsApp says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from messenger_bank.channels.models import OutsideWindow
from messenger_bank.notices.windows import SentNotice, WindowsRepository, customer_wrote, window_open

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
CHAT = "whatsapp:375291112233"
WAMID = "wamid.HBgLMzc1MjkxMTEyMjMzFQIAERgSQ0Y5"
SENT = SentNotice(
    outside=OutsideWindow(
        template="mb_transfer_received",
        language="en",
        parameters={"amount": "25.00 BYN", "mask": "•• 4242"},
        button_payloads=("g:menu",),
        tag="ACCOUNT_UPDATE",
    )
)


def test_a_kept_notice_comes_back_as_it_was_sent(windows: WindowsRepository) -> None:
    windows.remember_notice(CHAT, WAMID, SENT, NOW)
    assert windows.take_notice(CHAT, WAMID) == SENT


def test_a_kept_notice_is_taken_once_so_a_repeated_status_finds_nothing(windows: WindowsRepository) -> None:
    windows.remember_notice(CHAT, WAMID, SENT, NOW)
    windows.take_notice(CHAT, WAMID)
    assert windows.take_notice(CHAT, WAMID) is None


def test_another_messages_status_finds_no_notice(windows: WindowsRepository) -> None:
    windows.remember_notice(CHAT, WAMID, SENT, NOW)
    assert windows.take_notice(CHAT, WAMID + "x") is None


def test_a_kept_notice_expires_after_metas_seven_days_of_retries(windows: WindowsRepository) -> None:
    windows.remember_notice(CHAT, WAMID, SENT, NOW)
    item = windows.table.get_item(Key={"pk": f"WINDOW#{CHAT}", "sk": f"NOTICE#{WAMID}"})["Item"]
    assert int(item["expires_at"]) > int((NOW + timedelta(days=7)).timestamp())


def test_keeping_a_notice_leaves_the_windows_own_record_alone(windows: WindowsRepository) -> None:
    customer_wrote("whatsapp", CHAT, NOW, repository=windows)
    windows.remember_notice(CHAT, WAMID, SENT, NOW)
    assert window_open("whatsapp", CHAT, NOW, repository=windows)


def test_whatsapps_word_closes_a_window_our_record_took_for_open(windows: WindowsRepository) -> None:
    customer_wrote("whatsapp", CHAT, NOW - timedelta(hours=23), repository=windows)
    windows.close(CHAT, NOW)
    assert not window_open("whatsapp", CHAT, NOW, repository=windows)


def test_a_customers_message_after_the_refusal_keeps_the_window_open(windows: WindowsRepository) -> None:
    customer_wrote("whatsapp", CHAT, NOW + timedelta(minutes=1), repository=windows)
    windows.close(CHAT, NOW)
    assert window_open("whatsapp", CHAT, NOW + timedelta(minutes=2), repository=windows)


def test_closing_a_window_never_written_makes_no_record(windows: WindowsRepository) -> None:
    windows.close(CHAT, NOW)
    assert windows.table.scan()["Items"] == []
