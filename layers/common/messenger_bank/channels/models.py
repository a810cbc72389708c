"""What every messenger turns into (InboundEvent) and what the bot says back (OutboundMessage).

The conversation sees only these shapes; each adapter maps its platform's own payloads onto them and
degrades what its platform cannot do in one documented way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.types import Channel

InboundKind = Literal[
    "text",  # free text typed by the customer (deep-link starts come as "start")
    "button",  # a press of one of our buttons: `button` holds its payload
    "contact",  # a shared phone number: `phone` (E.164) and `contact_user_id`
    "location",
    "picture",
    "media",  # a voice message, audio, video, sticker or file the bot cannot read: `media` says which
    "start",  # opened the chat / /start / conversation_started / Get Started; `referral` may be set
    "unsubscribed",  # blocked the bot or unsubscribed: stop writing to this chat
    # Not the customer's doing: the platform refused, after accepting it, a message the bank sent (WhatsApp's
    # status webhook): `message_id` is that message's id, `refusal` the platform's code and title.
    "undelivered",
]


# What kind of media a "media" event carries: for the answer (a sticker gets a lighter one) and for logs and
# metrics. The platform's file id or URL is deliberately not kept: nothing reads it, and it must not be logged.
MediaKind = Literal["voice", "audio", "video", "sticker", "document"]


class ChatRef(BaseModel):
    """Where a message goes: a chat on one messenger."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    channel: Channel
    chat_id: str = Field(min_length=1, max_length=128)

    @property
    def key(self) -> str:
        """The FIFO message group and session key: one ordered stream per chat."""
        return f"{self.channel}:{self.chat_id}"


class Location(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class InboundEvent(BaseModel):
    """One customer action, whatever messenger it came from."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    chat: ChatRef
    update_id: str = Field(min_length=1, max_length=128, description="the platform's own id, for dedupe")
    kind: InboundKind
    user_id: str = Field(min_length=1, max_length=128)
    user_name: str | None = None
    language_hint: str | None = Field(default=None, description="the platform's idea of the user's language")
    text: str | None = None
    button: str | None = Field(default=None, description="payload of the pressed button")
    phone: str | None = Field(default=None, description="E.164, for kind=contact")
    contact_user_id: str | None = Field(default=None, description="whose contact was shared (Telegram)")
    location: Location | None = None
    picture_ref: str | None = Field(default=None, description="platform file id or URL of a picture")
    media: MediaKind | None = Field(default=None, description="for kind=media: which kind of media came")
    referral: str | None = Field(default=None, description="deep-link payload: a referral code")
    message_id: str | None = Field(default=None, description="the customer's message, to delete it later")
    callback_id: str | None = Field(default=None, description="Telegram callback_query id to answer")
    sent_at: datetime
    # Added by the channel adapters (optional, so older producers stay valid):
    button_message_id: str | None = Field(
        default=None, description="the bot's message that carried the pressed button, to edit it (Telegram)"
    )
    tracking: str | None = Field(
        default=None, description="tracking_data of the bot's last message, echoed back by Viber"
    )
    refusal: str | None = Field(default=None, description="kind=undelivered: the platform's code and title")
    window_closed: bool = Field(default=False, description="kind=undelivered: refused for the closed 24 h window")
    welcomed: bool = Field(
        default=False, description="kind=start: already greeted in the webhook's answer (Viber's welcome)"
    )
    # Set only on the inbound queue (webhooks/sealing.py): the free text fields, sealed, in place of them.
    sealed_text: str | None = Field(
        default=None, description="text, user_name and referral sealed (base64) when they held a card or document"
    )


class Button(BaseModel):
    """A button the customer can press; `payload` comes back as InboundEvent.button."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    label: str = Field(min_length=1, max_length=64)
    payload: str | None = Field(default=None, max_length=64)
    url: str | None = None
    web_app: bool = Field(default=False, description="open `url` as a Telegram Web App where possible")
    request_phone: bool = Field(default=False, description="ask the messenger to share the phone")


class Attachment(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    kind: Literal["picture", "document"]
    url: str = Field(description="a URL the platform can fetch (presigned S3 link)")
    filename: str | None = None
    size_bytes: int | None = Field(default=None, ge=0, description="needed by Viber to send a document as a file")


class OutboundMessage(BaseModel):
    """What the bot says: text, optional buttons (rows), optional picture or document."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    text: str = Field(default="", max_length=20_000)
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    # Session-scoped key carried back by platforms that echo context (Viber tracking_data).
    tracking: str | None = Field(default=None, max_length=128)
    # Labels of the controls an adapter adds when the buttons do not fit one message (i18n by the caller).
    more_label: str | None = Field(default=None, max_length=64, description="text of a further page of buttons")
    list_label: str | None = Field(default=None, max_length=64, description="the button opening a WhatsApp list")
    # Started by the bank, not an answer to the customer (Messenger's messaging_type UPDATE, not RESPONSE).
    proactive: bool = False
    # The keyboard an earlier message left standing (see `opens_keyboard`) goes with this message: its step
    # is over. Only Telegram keeps such a keyboard; on the others a keyboard lives with its own message.
    closes_keyboard: bool = False

    @property
    def opens_keyboard(self) -> bool:
        """True when the message shows a keyboard that stays until a later message removes it (Telegram's
        share-phone reply keyboard: inline buttons cannot ask for the contact)."""
        return any(button.request_phone for row in self.buttons for button in row)


MessageTag = Literal["ACCOUNT_UPDATE", "POST_PURCHASE_UPDATE", "CONFIRMED_EVENT_UPDATE"]


class OutsideWindow(BaseModel):
    """How a notice reaches a customer who has not written for 24 hours: an approved WhatsApp template
    (named parameters) or a Messenger message with a tag. Built by ``messenger_bank.notices``."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    template: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    language: str = Field(min_length=2, max_length=8, description="the template's language code, e.g. be_BY")
    parameters: dict[str, str] = Field(default_factory=dict)
    button_payloads: tuple[str, ...] = Field(default=(), max_length=3, description="its quick replies, in order")
    tag: MessageTag


class SentMessage(BaseModel):
    """What a platform answered for a sent message: the id to edit or delete it, if it has one."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    chat: ChatRef
    message_ids: tuple[str, ...] = ()
