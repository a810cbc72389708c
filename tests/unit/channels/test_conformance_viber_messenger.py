"""Viber and Messenger publish no machine-readable spec: their documented request shapes, as models.

The models below transcribe the documentation summed up in tests/specs/PLATFORMS.md (Viber
`/pa/send_message` with keyboards; Messenger Send API `/me/messages` with quick replies, the button
template, URL attachments and sender actions). They forbid unknown fields and carry the documented
limits, so every body the adapters can produce is checked against them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from messenger_bank.channels import rules
from messenger_bank.channels.base import PlatformRequest

from .conformance import all_requests


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def utf16_at_most(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        if rules.measure(value) > limit:
            raise ValueError(f"longer than {limit}")
        return value

    return AfterValidator(check)


# --- Viber: POST /pa/send_message ------------------------------------------------------------------
class ViberSender(Strict):
    name: str = Field(min_length=1, max_length=28)
    avatar: str | None = None


class ViberButton(Strict):
    Columns: int = Field(ge=1, le=6)
    Rows: int = Field(ge=1, le=2)
    ActionType: Literal["reply", "open-url", "location-picker", "share-phone", "none"]
    ActionBody: str = Field(min_length=1)
    Text: str | None = Field(default=None, max_length=250)
    Silent: bool | None = None


class ViberKeyboard(Strict):
    Type: Literal["keyboard"]
    Buttons: list[ViberButton] = Field(min_length=1, max_length=24)
    InputFieldState: Literal["regular", "minimized", "hidden"] | None = None
    DefaultHeight: bool | None = None

    @model_validator(mode="after")
    def within_rows(self) -> ViberKeyboard:
        # Buttons flow left to right in rows of 6 columns; a keyboard shows at most 12 rows (PLATFORMS.md).
        rows, used = 1, 0
        for button in self.Buttons:
            if used + button.Columns > 6:
                rows, used = rows + 1, 0
            used += button.Columns
        if rows > 12:
            raise ValueError(f"{rows} rows")
        return self


class ViberBase(Strict):
    receiver: str = Field(min_length=1)
    sender: ViberSender
    tracking_data: str | None = Field(default=None, max_length=4096)
    min_api_version: int | None = Field(default=None, ge=1)
    keyboard: ViberKeyboard | None = None

    @model_validator(mode="after")
    def share_phone_needs_api_3(self) -> ViberBase:
        if self.keyboard and any(b.ActionType == "share-phone" for b in self.keyboard.Buttons):
            assert (self.min_api_version or 0) >= 3, "share-phone needs min_api_version 3"
        return self


class ViberText(ViberBase):
    type: Literal["text"]
    text: Annotated[str, Field(min_length=1), utf16_at_most(7000)]


class ViberPicture(ViberBase):
    type: Literal["picture"]
    text: str = Field(max_length=120)
    media: str = Field(pattern=r"^https?://")
    thumbnail: str | None = None


class ViberFile(ViberBase):
    type: Literal["file"]
    media: str = Field(pattern=r"^https?://")
    size: int = Field(ge=0)
    file_name: str = Field(min_length=1, max_length=256)


class ViberUrl(ViberBase):
    type: Literal["url"]
    media: str = Field(pattern=r"^https?://", max_length=2000)


class ViberSend(BaseModel):
    body: ViberText | ViberPicture | ViberFile | ViberUrl = Field(discriminator="type")


# --- Messenger: POST /{version}/me/messages --------------------------------------------------------
class MsRecipient(Strict):
    id: str = Field(min_length=1)


class MsQuickText(Strict):
    content_type: Literal["text"]
    title: str = Field(min_length=1, max_length=20)
    payload: str = Field(min_length=1, max_length=1000)
    image_url: str | None = None


class MsQuickPhone(Strict):
    content_type: Literal["user_phone_number", "user_email"]


class MsPostbackButton(Strict):
    type: Literal["postback"]
    title: str = Field(min_length=1, max_length=20)
    payload: str = Field(min_length=1, max_length=1000)


class MsUrlButton(Strict):
    type: Literal["web_url"]
    title: str = Field(min_length=1, max_length=20)
    url: str = Field(pattern=r"^https?://")
    webview_height_ratio: Literal["compact", "tall", "full"] | None = None


class MsButtonTemplate(Strict):
    template_type: Literal["button"]
    text: Annotated[str, Field(min_length=1), utf16_at_most(640)]
    buttons: list[Annotated[MsPostbackButton | MsUrlButton, Field(discriminator="type")]] = Field(
        min_length=1, max_length=3
    )


class MsTemplateAttachment(Strict):
    type: Literal["template"]
    payload: MsButtonTemplate


class MsMediaPayload(Strict):
    url: str = Field(pattern=r"^https?://")
    is_reusable: bool | None = None


class MsMediaAttachment(Strict):
    type: Literal["image", "file", "audio", "video"]
    payload: MsMediaPayload


class MsMessage(Strict):
    text: Annotated[str, Field(min_length=1), utf16_at_most(2000)] | None = None
    attachment: MsTemplateAttachment | MsMediaAttachment | None = None
    quick_replies: list[MsQuickText | MsQuickPhone] | None = Field(default=None, min_length=1, max_length=13)

    @model_validator(mode="after")
    def text_or_attachment(self) -> MsMessage:
        assert (self.text is None) != (self.attachment is None), "exactly one of text and attachment"
        return self


class MsSendMessage(Strict):
    recipient: MsRecipient
    messaging_type: Literal["RESPONSE", "UPDATE", "MESSAGE_TAG"]
    message: MsMessage
    tag: str | None = None


class MsSenderAction(Strict):
    recipient: MsRecipient
    sender_action: Literal["typing_on", "typing_off", "mark_seen"]


VIBER = all_requests("viber")
MESSENGER = all_requests("messenger")


def test_the_corpora_cover_every_kind_of_body() -> None:
    assert {r.body["type"] for _, r in VIBER} == {"text", "picture", "file", "url"}
    assert any("keyboard" in r.body for _, r in VIBER)
    shapes = {
        "quick_replies"
        if "quick_replies" in r.body.get("message", {})
        else (
            r.body.get("message", {}).get("attachment", {}).get("type") or ("text" if "message" in r.body else "action")
        )
        for _, r in MESSENGER
    }
    assert shapes == {"quick_replies", "template", "image", "file", "text", "action"}


@pytest.mark.parametrize(("name", "request_"), VIBER, ids=[name for name, _ in VIBER])
def test_each_viber_request_has_the_documented_shape(name: str, request_: PlatformRequest) -> None:
    assert request_.path == "/pa/send_message"
    ViberSend.model_validate({"body": request_.body})


@pytest.mark.parametrize(("name", "request_"), MESSENGER, ids=[name for name, _ in MESSENGER])
def test_each_messenger_request_has_the_documented_shape(name: str, request_: PlatformRequest) -> None:
    assert request_.path == "/{version}/me/messages"
    model = MsSenderAction if "sender_action" in request_.body else MsSendMessage
    model.model_validate(request_.body)


@pytest.mark.parametrize(
    "body",
    [
        {"receiver": "a", "sender": {"name": "x" * 29}, "type": "text", "text": "hi"},
        {"receiver": "a", "sender": {"name": "B"}, "type": "text", "text": "x" * 7001},
        {
            "receiver": "a",
            "sender": {"name": "B"},
            "type": "text",
            "text": "hi",
            "keyboard": {
                "Type": "keyboard",
                "Buttons": [{"Columns": 7, "Rows": 1, "ActionType": "reply", "ActionBody": "a"}],
            },
        },
        {
            "receiver": "a",
            "sender": {"name": "B"},
            "type": "text",
            "text": "hi",
            "keyboard": {
                "Type": "keyboard",
                "Buttons": [{"Columns": 6, "Rows": 1, "ActionType": "share-phone", "ActionBody": "p"}],
            },
        },
    ],
    ids=["long-sender", "long-text", "seven-columns", "share-phone-without-api-3"],
)
def test_the_viber_models_catch_bad_bodies(body: dict[str, Any]) -> None:
    with pytest.raises((ValidationError, AssertionError)):
        ViberSend.model_validate({"body": body})


@pytest.mark.parametrize(
    "message",
    [
        {"text": "x" * 2001},
        {"text": "hi", "quick_replies": [{"content_type": "text", "title": "t" * 21, "payload": "p"}]},
        {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": "x" * 641,
                    "buttons": [{"type": "postback", "title": "a", "payload": "p"}],
                },
            }
        },
        {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": "x",
                    "buttons": [{"type": "postback", "title": "a", "payload": "p"}] * 4,
                },
            }
        },
    ],
    ids=["long-text", "long-quick-reply", "long-template-text", "four-template-buttons"],
)
def test_the_messenger_models_catch_bad_bodies(message: dict[str, Any]) -> None:
    with pytest.raises((ValidationError, AssertionError)):
        MsSendMessage.model_validate({"recipient": {"id": "1"}, "messaging_type": "RESPONSE", "message": message})
