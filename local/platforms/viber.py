"""The Viber REST Bot API: `POST {base}/pa/<method>` with `X-Viber-Auth-Token`, always HTTP 200 + `status`."""

from __future__ import annotations

import hmac
import json
from typing import Any

from local.platforms.common import ApiError, Platforms
from local.platforms.state import JSON, ChatMessage

CHANNEL = "viber"
TEXT_LIMIT = 7000
MESSAGE_TYPES = {"text", "picture", "video", "file", "location", "contact", "sticker", "rich_media", "url"}
ACTION_TYPES = {"reply", "open-url", "location-picker", "share-phone", "none", "open-map"}
STATUS_NAMES = {
    0: "ok",
    1: "invalidUrl",
    2: "invalidAuthToken",
    3: "badData",
    4: "missingData",
    5: "receiverNotRegistered",
    6: "receiverNotSubscribed",
    10: "webhookNotSet",
    12: "tooManyRequests",
}
EVENT_TYPES = ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"]


def status(code: int, detail: str | None = None) -> ApiError:
    """Viber answers errors with HTTP 200 and a non-zero status."""
    message = STATUS_NAMES.get(code, "generalError") if detail is None else detail
    return ApiError(200, {"status": code, "status_message": message})


def _bad(detail: str) -> ApiError:
    return status(3, detail)


def check_keyboard(keyboard: Any) -> None:
    if keyboard is None:
        return
    if not isinstance(keyboard, dict) or keyboard.get("Type") != "keyboard":
        raise _bad('keyboard is not valid. [object has missing required properties (["Type"])]')
    buttons = keyboard.get("Buttons")
    if not isinstance(buttons, list) or not buttons:
        raise _bad('keyboard is not valid. [object has missing required properties (["Buttons"])]')
    if len(buttons) > 24:
        raise _bad("keyboard is not valid. [Buttons: array is too long: must have at most 24 elements]")
    for index, button in enumerate(buttons):
        if not isinstance(button, dict):
            raise _bad(f"keyboard is not valid. [Buttons[{index}]: instance type is not object]")
        columns = button.get("Columns", 6)
        rows = button.get("Rows", 1)
        if not isinstance(columns, int) or not 1 <= columns <= 6:
            raise _bad(f"keyboard is not valid. [Buttons[{index}].Columns: numeric instance is out of range 1-6]")
        if not isinstance(rows, int) or not 1 <= rows <= 2:
            raise _bad(f"keyboard is not valid. [Buttons[{index}].Rows: numeric instance is out of range 1-2]")
        if button.get("ActionType", "reply") not in ACTION_TYPES:
            raise _bad(f"keyboard is not valid. [Buttons[{index}].ActionType: instance value not found in enum]")
        if "ActionBody" not in button:
            raise _bad(f'keyboard is not valid. [Buttons[{index}]: missing required properties (["ActionBody"])]')
        if len(str(button.get("ActionBody"))) > 4096:
            raise _bad(f"keyboard is not valid. [Buttons[{index}].ActionBody: string is too long]")


class ViberApi:
    def __init__(self, platforms: Platforms) -> None:
        self.p = platforms

    @property
    def account(self) -> JSON:
        return {
            "id": "pa:5000000000000000001",
            "name": "Messenger Bank",
            "uri": "messengerbanklocal",
            "icon": f"{self.p.base_url}/chat/static/bank.svg",
            "category": "Finance",
            "subcategory": "Banks",
            "country": "DE",
        }

    def handle(self, method: str, token: str | None, raw: bytes) -> tuple[int, JSON]:
        if not token or not hmac.compare_digest(token.encode(), self.p.secrets.viber_auth_token.encode()):
            raise status(2)
        if len(raw) > 30 * 1024:
            raise _bad("request is larger than 30KB")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise _bad("failed to parse JSON") from None
        if not isinstance(body, dict):
            raise _bad("failed to parse JSON")
        handler = getattr(self, "m_" + method, None)
        if handler is None:
            raise ApiError(404, {"status": 3, "status_message": "unknown method"})
        result: tuple[int, JSON] = handler(body)
        return result

    def m_get_account_info(self, body: JSON) -> tuple[int, JSON]:
        setting = self.p.webhook(CHANNEL)
        return 200, {
            "status": 0,
            "status_message": "ok",
            **self.account,
            "webhook": setting.url if setting.explicit else "",
            "event_types": EVENT_TYPES,
            "subscribers_count": len(self.p.store.viber_subscribed),
            "members": [{"id": "01234567890A=", "name": "Local Admin", "role": "admin"}],
        }

    def m_set_webhook(self, body: JSON) -> tuple[int, JSON]:
        url = body.get("url")
        if not isinstance(url, str):
            raise status(4, "missingData: url")
        setting = self.p.webhook(CHANNEL)
        if url == "":
            setting.explicit = False
            self.p.store.record(CHANNEL, None, "set_webhook", body)
            return 200, {"status": 0, "status_message": "ok"}
        if not url.startswith(("http://", "https://")):
            raise status(1)
        # Viber checks the URL at once with a signed `webhook` callback that must answer 200.
        from local.platforms.inbound import deliver_raw, viber_webhook_event

        raw = viber_webhook_event(self.p)
        code = deliver_raw(self.p, CHANNEL, raw, url=url).status
        if code != 200:
            raise status(1, f"Result[HttpResponse({code})] is not 200")
        setting.url = url
        setting.explicit = True
        self.p.store.record(CHANNEL, None, "set_webhook", body)
        return 200, {
            "status": 0,
            "status_message": "ok",
            "event_types": body.get("event_types") or EVENT_TYPES,
        }

    def m_get_user_details(self, body: JSON) -> tuple[int, JSON]:
        user_id = str(body.get("id") or "")
        user = self.p.store.users.get((CHANNEL, user_id))
        if user is None:
            raise status(5)
        return 200, {
            "status": 0,
            "status_message": "ok",
            "message_token": self.p.store.next_viber_token(),
            "user": user,
        }

    def validate(self, body: JSON) -> tuple[str, str, str | None, JSON | None]:
        receiver = body.get("receiver")
        if not receiver:
            raise status(4, 'missingData: "receiver"')
        sender = body.get("sender")
        if not isinstance(sender, dict) or not isinstance(sender.get("name"), str) or not sender["name"]:
            raise _bad("sender.name is required")
        if len(sender["name"]) > 28:
            raise _bad("sender.name is longer than 28 characters")
        kind = body.get("type")
        if kind not in MESSAGE_TYPES:
            raise _bad(f"unsupported message type {kind!r}")
        text: str | None = body.get("text")
        media: JSON | None = None
        if kind == "text":
            if not isinstance(text, str) or not text:
                raise status(4, 'missingData: "text"')
            if len(text) > TEXT_LIMIT:
                raise _bad(f"text is longer than {TEXT_LIMIT} characters")
        elif kind in {"picture", "video", "file"}:
            url = body.get("media")
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise status(4, 'missingData: "media" (a URL)')
            if kind == "picture" and text is not None and len(text) > 768:
                raise _bad("picture description is longer than 768 characters")
            if kind == "file" and (not body.get("file_name") or not body.get("size")):
                raise status(4, 'missingData: "file_name" and "size"')
            media = {
                "url": url,
                "name": body.get("file_name") or url.rsplit("/", 1)[-1],
                "caption": text,
                "mime_type": "image/*" if kind == "picture" else "application/octet-stream",
            }
        elif kind == "url" and not body.get("media"):
            raise status(4, 'missingData: "media"')
        tracking = body.get("tracking_data")
        if tracking is not None and len(str(tracking)) > 4096:
            raise _bad("tracking_data is longer than 4096 characters")
        check_keyboard(body.get("keyboard"))
        return str(receiver), str(kind), text, media

    def m_send_message(self, body: JSON) -> tuple[int, JSON]:
        receiver, kind, text, media = self.validate(body)
        fault = self.p.store.take_fault(CHANNEL, receiver)
        if fault is not None:
            raise (
                status(12) if fault.kind == "rate_limit" else ApiError(500, {"status": 99, "status_message": "error"})
            )
        if self.p.store.is_blocked(CHANNEL, receiver) or receiver not in self.p.store.viber_subscribed:
            raise status(6)
        if self.p.store.viber_cap_reached(receiver):
            # The answer Viber documents for its cap, token and host included (Send a Message, "Pay attention").
            raise ApiError(
                200,
                {
                    "status": 12,
                    "status_message": "Too many requests",
                    "message_token": self.p.store.next_viber_token(),
                    "chat_hostname": "SN-CHAT-01_",
                },
            )
        token = self.p.store.next_viber_token()
        self.store_bot_message(receiver, kind, text, media, body, token)
        self.p.store.viber_sent(receiver)
        return 200, {
            "status": 0,
            "status_message": "ok",
            "message_token": token,
            "chat_hostname": "SN-CHAT-01_",
        }

    def store_bot_message(
        self,
        receiver: str,
        kind: str,
        text: str | None,
        media: JSON | None,
        body: JSON,
        token: int,
        method: str = "send_message",
    ) -> ChatMessage:
        extra: JSON = {"sender": body.get("sender")}
        if body.get("tracking_data") is not None:
            extra["tracking_data"] = body["tracking_data"]
        for key in ("media", "location", "contact", "sticker_id", "rich_media"):
            if key in body:
                extra[key] = body[key]
        message = ChatMessage(
            seq=self.p.store.next_seq(),
            channel=CHANNEL,
            chat_id=receiver,
            id=str(token),
            sender="bot",
            kind={"picture": "photo", "file": "document"}.get(kind, kind),
            text=text,
            markup=body.get("keyboard"),
            media=media,
            extra=extra,
        )
        self.p.store.add_message(message)
        self.p.store.record(CHANNEL, receiver, method, body, token, message)
        return message

    def m_broadcast_message(self, body: JSON) -> tuple[int, JSON]:
        receivers = body.get("broadcast_list")
        if not isinstance(receivers, list) or not receivers or len(receivers) > 300:
            raise _bad("broadcast_list must hold 1-300 ids")
        failed = []
        for receiver in receivers:
            try:
                self.m_send_message({**body, "receiver": receiver})
            except ApiError as exc:
                failed.append(
                    {
                        "receiver": receiver,
                        "status": exc.body.get("status"),
                        "status_message": exc.body.get("status_message"),
                    }
                )
        return 200, {
            "status": 0,
            "status_message": "ok",
            "message_token": self.p.store.next_viber_token(),
            "failed_list": failed,
        }
