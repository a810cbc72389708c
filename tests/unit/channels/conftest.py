"""Shared pieces of the channel tests: the sample events, the adapters, a corpus of outbound messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from messenger_bank.channels.base import ChannelAdapter, WebhookSecrets
from messenger_bank.channels.messenger import MessengerAdapter
from messenger_bank.channels.models import Attachment, Button, ChatRef, InboundEvent, OutboundMessage
from messenger_bank.channels.telegram import TelegramAdapter
from messenger_bank.channels.viber import ViberAdapter
from messenger_bank.channels.whatsapp import WhatsAppAdapter
from messenger_bank.types import CHANNELS, Channel

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "events"
SPECS = ROOT / "tests" / "specs"  # vendored copies; each folder's SOURCE.md names repository, commit, licence
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

SECRETS = WebhookSecrets(
    telegram_secret_token="tg-secret_token-123",
    viber_auth_token="445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9",
    meta_app_secret="0123456789abcdef0123456789abcdef",
    meta_verify_token="verify-me-please",
)

CHATS: dict[Channel, ChatRef] = {
    "telegram": ChatRef(channel="telegram", chat_id="375000001"),
    "viber": ChatRef(channel="viber", chat_id="01234567890A="),
    "whatsapp": ChatRef(channel="whatsapp", chat_id="375291234567"),
    "messenger": ChatRef(channel="messenger", chat_id="6543210987654321"),
}


def make_adapters() -> dict[Channel, ChannelAdapter]:
    return {
        "telegram": TelegramAdapter(clock=lambda: NOW),
        "viber": ViberAdapter(sender_name="Messenger Bank", clock=lambda: NOW),
        "whatsapp": WhatsAppAdapter(),
        "messenger": MessengerAdapter(),
    }


ADAPTERS = make_adapters()


def event_files(channel: Channel | None = None) -> list[Path]:
    channels = [channel] if channel else list(CHANNELS)
    return sorted(path for name in channels for path in (EVENTS / name).glob("*.json"))


def event_bytes(channel: Channel, case: str) -> bytes:
    return (EVENTS / channel / f"{case}.json").read_bytes()


def spec_json(*parts: str) -> Any:
    return json.loads(SPECS.joinpath(*parts).read_text(encoding="utf-8"))


def _buttons(count: int, prefix: str = "option") -> tuple[tuple[Button, ...], ...]:
    rows = [Button(label=f"{prefix.title()} {i}", payload=f"{prefix}.{i}") for i in range(count)]
    return tuple(tuple(rows[i : i + 2]) for i in range(0, count, 2))


LONG_TEXT = "\n\n".join(
    " ".join(f"Sentence {p}.{s} explains the card terms in some detail, with numbers like 12.50 BYN." for s in range(8))
    for p in range(25)
)

# Every shape of message the conversation can ask for; the conformance tests render all of them.
OUTBOUND: dict[str, OutboundMessage] = {
    "text": OutboundMessage(text="Your balance is 120.50 BYN."),
    "emoji_text": OutboundMessage(text="Готово ✅ Ваша карта 💳 •• 1111 выпущена 🎉"),
    "long_text": OutboundMessage(text=LONG_TEXT),
    "one_long_word": OutboundMessage(text="x" * 9000),
    "two_buttons": OutboundMessage(text="Block the card?", buttons=_buttons(2, "confirm")),
    "three_buttons": OutboundMessage(text="What next?", buttons=_buttons(3)),
    "five_buttons": OutboundMessage(text="Choose a provider", buttons=_buttons(5)),
    "twelve_buttons": OutboundMessage(text="Choose a category", buttons=_buttons(12)),
    "many_buttons": OutboundMessage(text="Choose a payee", buttons=_buttons(30), more_label="More payees"),
    "huge_keyboard": OutboundMessage(text="All of them", buttons=_buttons(130)),
    "long_labels": OutboundMessage(
        text="Which card?",
        buttons=(
            (Button(label="Digital Visa Classic card ending 1111 (main)", payload="card.1"),),
            (Button(label="Plastic Mastercard Gold ending 2222", payload="card.2"),),
        ),
    ),
    "wide_row": OutboundMessage(
        text="Amount?", buttons=(tuple(Button(label=str(n), payload=f"amount.{n}") for n in range(1, 11)),)
    ),
    "unicode_payload": OutboundMessage(
        text="Оберыце", buttons=((Button(label="Беларуская", payload="мова.беларуская-мова-для-размовы-ў-чаце"),),)
    ),
    "buttons_only": OutboundMessage(buttons=_buttons(2)),
    "long_text_with_buttons": OutboundMessage(text=LONG_TEXT[:3000], buttons=_buttons(2)),
    "url_button": OutboundMessage(
        text="Top up from any card",
        buttons=(
            (Button(label="Open the payment page", url="https://pay.example.com/s/abc"),),
            (Button(label="Cancel", payload="topup.cancel"),),
        ),
    ),
    "url_and_many": OutboundMessage(
        text="Offers",
        buttons=(
            (Button(label="All offers", url="https://bank.example.com/offers"),),
            *_buttons(6, "offer"),
        ),
    ),
    "web_app": OutboundMessage(
        text="Set your PIN",
        buttons=((Button(label="Set PIN", url="https://bank.example.com/pin?t=abc", web_app=True),),),
    ),
    "share_phone": OutboundMessage(
        text="Share your phone number, please",
        buttons=((Button(label="Share my phone", request_phone=True),), (Button(label="Cancel", payload="cancel"),)),
    ),
    "share_phone_and_many": OutboundMessage(
        text="Share your phone or pick", buttons=((Button(label="Share my phone", request_phone=True),), *_buttons(14))
    ),
    "picture": OutboundMessage(
        text="Your card", attachment=Attachment(kind="picture", url="https://s3.example.com/card.png?X-Amz=1")
    ),
    "picture_no_text": OutboundMessage(attachment=Attachment(kind="picture", url="https://s3.example.com/card.png")),
    "picture_long_text": OutboundMessage(
        text=LONG_TEXT[:1500], attachment=Attachment(kind="picture", url="https://s3.example.com/r.png")
    ),
    "picture_with_buttons": OutboundMessage(
        text="Receipt",
        attachment=Attachment(kind="picture", url="https://s3.example.com/receipt.png"),
        buttons=_buttons(2),
    ),
    "document": OutboundMessage(
        text="Requisites",
        attachment=Attachment(kind="document", url="https://s3.example.com/req.pdf", filename="requisites.pdf"),
    ),
    "document_with_size": OutboundMessage(
        attachment=Attachment(
            kind="document", url="https://s3.example.com/req.pdf", filename="requisites.pdf", size_bytes=48213
        )
    ),
    "tracked": OutboundMessage(text="Enter the amount", tracking="s:7f3a9c"),
}

BUTTON_EVENT: dict[Channel, InboundEvent] = {
    channel: InboundEvent(
        chat=CHATS[channel],
        update_id="u1",
        kind="button",
        user_id=CHATS[channel].chat_id,
        button="menu.balance",
        callback_id="666728699048485871" if channel == "telegram" else None,
        sent_at=NOW,
    )
    for channel in CHANNELS
}


@pytest.fixture
def adapters() -> dict[Channel, ChannelAdapter]:
    return make_adapters()
