"""Every sample in events/<platform>/ parses to the customer action it holds, or to nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from messenger_bank.channels.models import Location
from messenger_bank.types import Channel

from .conftest import ADAPTERS, EVENTS, NOW, event_bytes, event_files

TG_ALESIA = {"chat_id": "375000001", "user_id": "375000001", "user_name": "Alesia Kavalenka", "language_hint": "be"}
VB = {"chat_id": "01234567890A=", "user_id": "01234567890A="}
WA_TEST = {"chat_id": "972987654321", "user_id": "972987654321", "user_name": "Test Name"}
WA_ALESIA = {"chat_id": "375291234567", "user_id": "375291234567", "user_name": "Alesia"}
MS = {"chat_id": "6543210987654321", "user_id": "6543210987654321"}

# (channel, case) → the events expected, each as the fields that matter; [] = acknowledged and ignored.
EXPECTED: dict[tuple[Channel, str], list[dict[str, Any]]] = {
    # --- telegram
    ("telegram", "text"): [
        {
            "kind": "text",
            "text": "aaaaaaaaaa",
            "update_id": "123456789",
            "chat_id": "12345678",
            "message_id": "123456",
            "user_name": "Mario Bros",
            "language_hint": "it",
            "sent_at": datetime.fromtimestamp(1631818904, UTC),
        }
    ],
    ("telegram", "text_short"): [{"kind": "text", "text": "Ciao", "update_id": "1", "chat_id": "456"}],
    ("telegram", "start"): [{"kind": "start", "referral": None, **TG_ALESIA}],
    ("telegram", "start_with_referral"): [
        {"kind": "start", "referral": "REF_ALICE42", "update_id": "870000101", **TG_ALESIA}
    ],
    ("telegram", "button"): [
        {
            "kind": "button",
            "button": "thedata",
            "callback_id": "666728699048485871",
            "chat_id": "222222222",
            "user_id": "222222222",
            "button_message_id": "69587",
            "sent_at": NOW,
        }
    ],
    ("telegram", "button_without_message"): [
        {"kind": "button", "button": "thedata", "chat_id": "222222222", "button_message_id": None}
    ],
    ("telegram", "button_inaccessible_message"): [
        {"kind": "button", "button": "thedata", "chat_id": "222222222", "button_message_id": "69587"}
    ],
    ("telegram", "contact"): [
        {"kind": "contact", "phone": "+375291234567", "contact_user_id": "375000001", "message_id": "13", **TG_ALESIA}
    ],
    # A shared card of someone else, with a number that cannot be E.164: no phone, no owner.
    ("telegram", "contact_other"): [{"kind": "contact", "phone": None, "contact_user_id": None, "user_id": "12345"}],
    ("telegram", "location"): [{"kind": "location", "location": Location(latitude=53.902284, longitude=27.561831)}],
    ("telegram", "picture"): [{"kind": "picture", "picture_ref": "SAAS", "text": "asdasdasdasdasdasd"}],
    ("telegram", "web_app_data"): [{"kind": "button", "button": "asdfsaasd", "text": "sadasdas"}],
    ("telegram", "unsubscribed"): [{"kind": "unsubscribed", "update_id": "870000105", **TG_ALESIA}],
    # Media the bank cannot read: answered (kind media, which one), the caption kept as text, no file id kept.
    ("telegram", "document"): [{"kind": "media", "media": "document", "picture_ref": None, "chat_id": "456"}],
    ("telegram", "document_image"): [{"kind": "picture", "picture_ref": "BQACAgIAAxkBAAIBGmVvc2NhbiBwbmc"}],
    ("telegram", "voice"): [{"kind": "media", "media": "voice", "message_id": "20", "text": None, **TG_ALESIA}],
    ("telegram", "audio"): [{"kind": "media", "media": "audio"}],
    ("telegram", "video"): [{"kind": "media", "media": "video", "text": "my card statement"}],
    ("telegram", "video_note"): [{"kind": "media", "media": "video"}],
    ("telegram", "animation"): [{"kind": "media", "media": "video"}],  # not its `document` twin
    ("telegram", "sticker"): [{"kind": "media", "media": "sticker", "update_id": "870000114"}],
    ("telegram", "edited"): [],
    ("telegram", "chat_member_other"): [],  # not a block: the status did not become "kicked"
    ("telegram", "group_text"): [],  # the bank talks in private chats only
    # --- viber
    ("viber", "text"): [
        {
            "kind": "text",
            "text": "What is my balance?",
            "update_id": "5912661846655238145",
            "user_name": "Alesia",
            "language_hint": "be",
            "sent_at": datetime(2026, 1, 1, 0, 0, 0, 123000, UTC),
            **VB,
        }
    ],
    ("viber", "text_unicode"): [
        {"kind": "text", "update_id": "4912661846655238145", "tracking": "אל תעקוב אחרי!", **VB}  # exact 64-bit token
    ],
    ("viber", "button"): [{"kind": "button", "button": "menu.balance", "tracking": "s:7f3a9c", **VB}],
    ("viber", "contact"): [{"kind": "contact", "phone": "+375291234567", **VB}],
    ("viber", "location"): [{"kind": "location", "location": Location(latitude=53.902284, longitude=27.561831)}],
    ("viber", "picture"): [
        {
            "kind": "picture",
            "text": "my passport",
            "picture_ref": "https://dl-media.viber.com/5/share/2/long/vibermsg/photo/0/ee/f1/eef1.jpg",
        }
    ],
    # Opened, not subscribed: greeted in the webhook's answer, so the conversation says nothing more.
    ("viber", "start"): [{"kind": "start", "referral": None, "welcomed": True, **VB}],
    ("viber", "start_with_referral"): [
        {
            "kind": "start",
            "referral": "REF_ALICE42",
            "update_id": "5912661846655238100",
            "language_hint": "be",
            "welcomed": True,
            **VB,
        }
    ],
    ("viber", "subscribed"): [{"kind": "start", "referral": None, "welcomed": False, **VB}],
    ("viber", "unsubscribed"): [{"kind": "unsubscribed", "update_id": "5912661846655238103", **VB}],
    ("viber", "sticker"): [{"kind": "media", "media": "sticker", "update_id": "5912661846655238150", **VB}],
    ("viber", "video"): [{"kind": "media", "media": "video", "text": None, "message_id": "5912661846655238151"}],
    ("viber", "file"): [{"kind": "media", "media": "document", "language_hint": "be", **VB}],
    # Viber has no voice type for bots: a recording comes as a file, told apart by its name.
    ("viber", "file_audio"): [{"kind": "media", "media": "audio"}],
    ("viber", "receipt_delivered"): [],
    ("viber", "receipt_seen"): [],
    ("viber", "receipt_failed"): [],
    ("viber", "webhook"): [],
    # --- whatsapp
    ("whatsapp", "text"): [
        {
            "kind": "text",
            "text": "Body Text",
            "update_id": "wamid.xyzxyz",
            "message_id": "wamid.xyzxyz",
            "sent_at": datetime.fromtimestamp(1697043223, UTC),
            **WA_TEST,
        }
    ],
    # A message the bank sent, refused after it was accepted: not the customer's doing, the notices' business.
    ("whatsapp", "receipt_failed"): [
        {
            "kind": "undelivered",
            "update_id": "failed:wamid.xyzxyz",
            "message_id": "wamid.xyzxyz",
            "refusal": "130472: User's number is part of an experiment",
            "window_closed": False,
            "sent_at": datetime.fromtimestamp(1689380458, UTC),
            "chat_id": "972987654321",
            "user_id": "972987654321",
        }
    ],
    ("whatsapp", "reply"): [{"kind": "text", "text": "replied text"}],
    ("whatsapp", "text_from_ad"): [{"kind": "text", "text": "BODY", "referral": None}],
    ("whatsapp", "start_with_referral"): [{"kind": "start", "referral": "REF_ALICE42", **WA_ALESIA}],
    ("whatsapp", "button"): [{"kind": "button", "button": "callback_data", **WA_TEST}],
    ("whatsapp", "template_button"): [{"kind": "button", "button": "callback_data", "update_id": "wamid.xsidjw"}],
    ("whatsapp", "template_button_without_context"): [{"kind": "button", "button": "callback_data"}],
    ("whatsapp", "list_reply"): [{"kind": "button", "button": "callback_data", "update_id": "wamid.zyzxyz"}],
    ("whatsapp", "list_reply_description"): [{"kind": "button", "button": "callback_data"}],
    ("whatsapp", "share_phone"): [
        {"kind": "contact", "phone": "+375291234567", "contact_user_id": "375291234567", **WA_ALESIA}
    ],
    ("whatsapp", "contact"): [
        {"kind": "contact", "phone": "+15555555555", "contact_user_id": "972987654321", **WA_TEST}
    ],
    ("whatsapp", "location"): [{"kind": "location", "location": Location(latitude=12.25089, longitude=43.90539)}],
    ("whatsapp", "location_chosen"): [{"kind": "location"}],
    ("whatsapp", "picture"): [{"kind": "picture", "picture_ref": "65463453", "text": None}],
    ("whatsapp", "picture_with_url"): [{"kind": "picture", "picture_ref": "65463453"}],
    ("whatsapp", "voice"): [{"kind": "media", "media": "voice", "message_id": "wamid.xyzxyz", **WA_TEST}],
    ("whatsapp", "audio"): [{"kind": "media", "media": "audio"}],  # a file, not a recording: voice false
    ("whatsapp", "video"): [{"kind": "media", "media": "video", "text": "caption"}],
    ("whatsapp", "document"): [{"kind": "media", "media": "document", "text": "caption", **WA_TEST}],
    ("whatsapp", "sticker"): [{"kind": "media", "media": "sticker"}],
    ("whatsapp", "sticker_animated"): [{"kind": "media", "media": "sticker"}],
    ("whatsapp", "batch"): [
        {"kind": "text", "text": "balance", "update_id": "wamid.batch.1", "user_name": "Alesia"},
        {"kind": "text", "text": "hello", "update_id": "wamid.batch.2", "chat_id": "375447654321", "user_name": "Ihar"},
        {"kind": "location", "update_id": "wamid.batch.3", "chat_id": "375447654321"},
    ],
    **{
        ("whatsapp", case): []
        for case in (
            "reaction",
            "unsupported",
            "interactive_with_error",
            "order",
            "receipt_sent",
            "receipt_delivered",
            "receipt_read",
            "edited",
            "deleted",
            "echo",
            "echo_edit",
            "system_number_change",
            "system_identity_change",
        )
    },
    # --- messenger
    ("messenger", "text"): [
        {"kind": "text", "text": "What is my balance?", "sent_at": datetime(2026, 1, 1, 0, 0, 0, 321000, UTC), **MS}
    ],
    ("messenger", "button_postback"): [{"kind": "button", "button": "menu.balance", "update_id": "m_postback_1", **MS}],
    ("messenger", "button_quick_reply"): [{"kind": "button", "button": "menu.balance", "update_id": "m_quick_1"}],
    ("messenger", "contact"): [{"kind": "contact", "phone": "+375291234567", **MS}],
    ("messenger", "location"): [{"kind": "location", "location": Location(latitude=53.902284, longitude=27.561831)}],
    ("messenger", "picture"): [
        {
            "kind": "picture",
            "picture_ref": "https://scontent.xx.fbcdn.net/v/t1.15752-9/123_456_n.jpg?_nc_cat=1&oh=abc&oe=def",
        }
    ],
    ("messenger", "start"): [{"kind": "start", "referral": None, "update_id": "m_getstarted_1"}],
    ("messenger", "start_with_referral"): [{"kind": "start", "referral": "REF_ALICE42", **MS}],
    ("messenger", "referral"): [
        {"kind": "start", "referral": "REF_ALICE42", "update_id": "referral:6543210987654321:1767225600321"}
    ],
    ("messenger", "audio"): [
        {"kind": "media", "media": "audio", "update_id": "m_audio_1", "message_id": "m_audio_1", **MS}
    ],
    ("messenger", "video"): [{"kind": "media", "media": "video"}],
    ("messenger", "file"): [{"kind": "media", "media": "document"}],
    # A sticker comes as an image with a sticker_id: not a picture.
    ("messenger", "sticker"): [{"kind": "media", "media": "sticker", "picture_ref": None}],
    ("messenger", "batch"): [
        {"kind": "text", "text": "hello", "update_id": "m_batch_1", **MS},
        {"kind": "text", "text": "balance", "update_id": "m_batch_2", "chat_id": "7654321098765432"},
    ],
    **{("messenger", case): [] for case in ("echo", "edited", "reaction", "receipt_delivery", "receipt_read")},
}


def _fields(event: Any) -> dict[str, Any]:
    data = dict(event)
    data["chat_id"] = event.chat.chat_id
    return data


@pytest.mark.parametrize(("channel", "case"), sorted(EXPECTED), ids=lambda v: str(v))
def test_each_sample_event_parses_to_the_expected_actions(channel: Channel, case: str) -> None:
    # Given a real body from events/<channel>/
    raw = event_bytes(channel, case)
    # When the channel's adapter parses it
    events = ADAPTERS[channel].parse(raw)
    # Then it yields exactly the expected actions, on the right channel
    expected = EXPECTED[(channel, case)]
    assert len(events) == len(expected)
    for event, wanted in zip(events, expected, strict=True):
        assert event.chat.channel == channel
        actual = _fields(event)
        assert {key: actual[key] for key in wanted} == wanted


def test_every_sample_file_has_an_expectation() -> None:
    files = {(path.parent.name, path.stem) for path in event_files()}
    assert files == set(EXPECTED), f"unlisted: {files - set(EXPECTED)}; missing: {set(EXPECTED) - files}"


def test_every_inbound_kind_has_a_sample_on_every_platform() -> None:
    kinds = {"text", "button", "contact", "location", "picture", "media", "start"}
    for channel in ("telegram", "viber", "whatsapp", "messenger"):
        seen = {wanted["kind"] for (ch, _), events in EXPECTED.items() if ch == channel for wanted in events}
        assert kinds <= seen, channel
        assert any(not events for (ch, _), events in EXPECTED.items() if ch == channel), channel


def test_samples_are_raw_platform_bodies_not_api_gateway_envelopes() -> None:
    for path in event_files():
        assert b'"requestContext"' not in path.read_bytes(), path.relative_to(EVENTS)


# The platform's reference to each media sample's file: the event must not carry it (it would reach logs).
MEDIA_FILE_REFS: dict[tuple[Channel, str], str] = {
    ("telegram", "voice"): "AwACAgIAAxkBAAIBFGVoaXZvaWNl",
    ("telegram", "document"): "a1b2c34d5e6f7g8h9i",
    ("telegram", "sticker"): "CAACAgIAAxkBAAIBGGVoc3RpY2tlcg",
    ("viber", "video"): "vibermsg/video",
    ("viber", "file"): "vibermsg/file",
    ("whatsapp", "voice"): "1234567890987654321",
    ("whatsapp", "video"): "765756756",
    ("messenger", "audio"): "audioclip-1767225600000",
    ("messenger", "sticker"): "851557_369239266556155",
}


@pytest.mark.parametrize(("channel", "case"), sorted(MEDIA_FILE_REFS), ids=lambda v: str(v))
def test_a_media_event_keeps_no_file_id_or_url(channel: Channel, case: str) -> None:
    # Given a real body whose media has a file id or URL
    raw = event_bytes(channel, case)
    assert MEDIA_FILE_REFS[(channel, case)].encode() in raw
    # When it is parsed
    (event,) = ADAPTERS[channel].parse(raw)
    # Then the event says which media came, and nowhere holds the file's reference
    assert event.kind == "media" and event.media is not None
    assert MEDIA_FILE_REFS[(channel, case)] not in event.model_dump_json()


# --- WhatsApp's failed status: the real sample with one thing changed -----------------------------------
def _failed_status(**changes: Any) -> bytes:
    body = json.loads(event_bytes("whatsapp", "receipt_failed"))
    status = body["entry"][0]["changes"][0]["value"]["statuses"][0]
    for name, value in changes.items():
        if value is None:
            del status[name]
        else:
            status[name] = value
    return json.dumps(body).encode()


REENGAGEMENT = {"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message"}


def test_a_status_failed_for_the_closed_window_says_so() -> None:
    [event] = ADAPTERS["whatsapp"].parse(_failed_status(errors=[REENGAGEMENT]))
    assert (event.kind, event.window_closed, event.refusal) == ("undelivered", True, "131047: Re-engagement message")


def test_a_status_failed_for_another_reason_is_not_the_window() -> None:
    [event] = ADAPTERS["whatsapp"].parse(_failed_status(errors=[{**REENGAGEMENT, "code": 131026}]))
    assert (event.kind, event.window_closed) == ("undelivered", False)


def test_a_status_failed_without_errors_is_still_undelivered_with_no_code() -> None:
    [event] = ADAPTERS["whatsapp"].parse(_failed_status(errors=None))
    assert (event.kind, event.window_closed, event.refusal) == ("undelivered", False, "0: no error given")


@pytest.mark.parametrize("status", ["sent", "delivered", "read", "played"])
def test_a_status_that_did_not_fail_gives_no_event(status: str) -> None:
    assert ADAPTERS["whatsapp"].parse(_failed_status(status=status, errors=[REENGAGEMENT])) == []


def test_a_failed_status_without_a_recipient_is_skipped_not_refused() -> None:
    assert ADAPTERS["whatsapp"].parse(_failed_status(recipient_id=None)) == []
