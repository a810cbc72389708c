"""The NotifyCustomer step's contract: what a journey or a context asks a chat to be told, and how it went."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.types import Language, MessageId


class NotifyRequest(BaseModel):
    """Tell a chat something from the catalogue, with a picture or a document if there is one."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    chat_key: str = Field(min_length=3, max_length=160)
    language: Language = "ru"
    message: str = Field(min_length=1, max_length=80, description="a catalogue key")
    values: dict[str, str | int] = Field(default_factory=dict)
    picture_url: str | None = None
    document_url: str | None = None
    menu: bool = Field(default=True, description="offer the main menu buttons under the message")
    go: str | None = Field(
        default=None, pattern=r"^[a-z_]+(:[a-z_]+)?$", description="a flow (or flow:step) offered as a button"
    )
    go_label: str | None = Field(default=None, max_length=80, description="the catalogue key of that button")
    edit_message_id: MessageId | None = Field(
        default=None,
        description="the journey's earlier message in this chat to edit into this one where the messenger can",
    )
    edit_only: bool = Field(
        default=False,
        description="a stage of a live receipt: said only by editing edit_message_id; nothing is sent where the "
        "messenger cannot edit it (the receipt still comes as a new message at the end)",
    )


class Notified(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    delivered: bool
    # sent_elsewhere: on another of the customer's messengers, as that chat could not be reached.
    # edited: the journey's earlier message (edit_message_id) now says this.
    # not_edited: an edit-only stage where the messenger cannot edit (or refused): nothing was sent, by design.
    outcome: Literal["sent", "edited", "not_edited", "sent_elsewhere", "recipient_unavailable"]
    # The message in the journey's own chat that a later notice may edit (None where the messenger cannot edit,
    # elsewhere, or where none came back).
    message_id: MessageId | None = None
