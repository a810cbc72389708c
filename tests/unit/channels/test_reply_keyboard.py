"""A keyboard that stays (Telegram's share-phone reply keyboard) goes with the message that closes it."""

from __future__ import annotations

import pytest

from messenger_bank.channels.models import Attachment, Button, OutboundMessage
from messenger_bank.types import CHANNELS, Channel

from .conftest import ADAPTERS, CHATS

REMOVE = {"remove_keyboard": True}
PHONE = Button(label="Share my phone", request_phone=True)
CONFIRM = Button(label="Confirm", payload="confirm")


def telegram(message: OutboundMessage) -> list[dict]:  # type: ignore[type-arg]
    return [request.body for request in ADAPTERS["telegram"].render_send(CHATS["telegram"], message)]


def test_a_closing_message_without_buttons_removes_the_reply_keyboard() -> None:
    (body,) = telegram(OutboundMessage(text="Thank you", closes_keyboard=True))
    assert body["reply_markup"] == REMOVE


def test_a_message_that_does_not_close_leaves_the_keyboard_alone() -> None:
    (body,) = telegram(OutboundMessage(text="Thank you"))
    assert "reply_markup" not in body


def test_a_closing_message_with_inline_buttons_keeps_them_with_its_text_after_a_message_that_removes() -> None:
    removing, message = telegram(OutboundMessage(text="Your name?", buttons=((CONFIRM,),), closes_keyboard=True))
    assert removing["reply_markup"] == REMOVE and removing["text"] != "Your name?"
    assert message["text"] == "Your name?"
    assert message["reply_markup"]["inline_keyboard"] == [[{"text": "Confirm", "callback_data": "confirm"}]]


def test_a_closing_picture_with_its_text_after_it_removes_the_keyboard_on_the_picture() -> None:
    picture = Attachment(kind="picture", url="https://media.example/r.png")
    long_text = "word " * 300  # longer than a caption: the text follows with the buttons
    photo, text = telegram(
        OutboundMessage(text=long_text, buttons=((CONFIRM,),), attachment=picture, closes_keyboard=True)
    )
    assert photo["reply_markup"] == REMOVE
    assert "inline_keyboard" in text["reply_markup"]


def test_a_message_that_opens_a_new_keyboard_does_not_remove_it() -> None:
    (body,) = telegram(OutboundMessage(text="Your phone?", buttons=((PHONE,),), closes_keyboard=True))
    assert "keyboard" in body["reply_markup"] and "remove_keyboard" not in body["reply_markup"]


def test_a_closing_message_is_sent_anew_rather_than_edited() -> None:
    (request,) = ADAPTERS["telegram"].render_edit(
        CHATS["telegram"], "42", OutboundMessage(text="Done", closes_keyboard=True)
    )
    assert request.path.endswith("/sendMessage") and request.body["reply_markup"] == REMOVE


@pytest.mark.parametrize("channel", [c for c in CHANNELS if c != "telegram"])
def test_other_platforms_have_no_standing_keyboard_to_remove(channel: Channel) -> None:
    adapter, chat = ADAPTERS[channel], CHATS[channel]
    message = OutboundMessage(text="Thank you", buttons=((CONFIRM,),))
    closing = message.model_copy(update={"closes_keyboard": True})
    assert adapter.render_send(chat, closing) == adapter.render_send(chat, message)
