"""Meta's Graph API for the WhatsApp Cloud API and the Messenger Send API, errors in Graph shape."""

from __future__ import annotations

import base64
import hmac
import json
import os
import re
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

from local.platforms.common import ApiError, Platforms
from local.platforms.state import JSON, ChatMessage

WA_TEXT_LIMIT = 4096
FB_TEXT_LIMIT = 2000
REENGAGEMENT = (
    "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
)
# What Meta approved: the bank's submission, as written by `make whatsapp-templates`.
APPROVED_TEMPLATES = (
    Path(__file__).resolve().parents[2] / "layers" / "common" / "messenger_bank" / "notices" / "whatsapp_templates.json"
)
# How long after the 200 the fake posts a message's `failed` status webhook.
STATUS_DELAY_SECONDS = 0.5
# Messenger's message tags that may still be used (the others were retired in 2020).
MESSAGE_TAGS = frozenset({"ACCOUNT_UPDATE", "POST_PURCHASE_UPDATE", "CONFIRMED_EVENT_UPDATE", "HUMAN_AGENT"})


@cache
def approved_templates() -> dict[tuple[str, str], JSON]:
    submitted = json.loads(APPROVED_TEMPLATES.read_text(encoding="utf-8"))
    return {(t["name"], t["language"]): t for t in submitted}


def _template_parts(template: JSON) -> tuple[str, list[str]]:
    body_text, labels = "", []
    for component in template["components"]:
        if component["type"] == "BODY":
            body_text = component["text"]
        elif component["type"] == "BUTTONS":
            labels = [button["text"] for button in component["buttons"]]
    return body_text, labels


def _throughput_reached() -> Exception:
    """WhatsApp's refusal when a number sends beyond its messages per second."""
    return graph_error(
        400,
        "(#130429) Rate limit hit",
        130429,
        error_type="OAuthException",
        details="Cloud API message throughput has been reached.",
        product="whatsapp",
    )


def graph_error(
    status: int,
    message: str,
    code: int,
    subcode: int | None = None,
    error_type: str = "OAuthException",
    details: str | None = None,
    product: str | None = None,
) -> ApiError:
    err: JSON = {"message": message, "type": error_type, "code": code}
    if details is not None:
        err["error_data"] = {"details": details}
        if product:
            err["error_data"]["messaging_product"] = product
    if subcode is not None:
        err["error_subcode"] = subcode
    err["fbtrace_id"] = "A" + base64.urlsafe_b64encode(os.urandom(15)).decode()[:20]
    return ApiError(status, {"error": err})


def bad_token(message: str = "Invalid OAuth access token - Cannot parse access token") -> ApiError:
    return graph_error(401, message, 190, 467)


def invalid(details: str, product: str | None = None) -> ApiError:
    return graph_error(400, "(#100) Invalid parameter", 100, 2494010, details=details, product=product)


def check_token(given: str | None, expected: str) -> None:
    if not given:
        raise graph_error(400, "An active access token must be used to query information about the current user.", 2500)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise bad_token()


def _length(value: Any, limit: int, what: str, product: str | None, minimum: int = 1) -> str:
    if not isinstance(value, str) or len(value) < minimum:
        raise invalid(f"{what} is required", product)
    if len(value) > limit:
        raise invalid(f"{what} must be at most {limit} characters long", product)
    return value


# WhatsApp --------------------------------------------------------------------------------------------
class WhatsAppApi:
    channel = "whatsapp"

    def __init__(self, platforms: Platforms) -> None:
        self.p = platforms

    def handle_messages(self, phone_number_id: str, token: str | None, body: Any) -> tuple[int, JSON]:
        check_token(token, self.p.secrets.whatsapp_access_token)
        if phone_number_id != self.p.secrets.whatsapp_phone_number_id:
            raise graph_error(
                400,
                f"Unsupported post request. Object with ID '{phone_number_id}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation.",
                100,
                33,
                error_type="GraphMethodException",
            )
        if not isinstance(body, dict):
            raise invalid("the request body must be a JSON object", "whatsapp")
        if body.get("messaging_product") != "whatsapp":
            raise graph_error(400, "(#100) The parameter messaging_product is required.", 100, 2494010)
        if body.get("status") == "read":
            return self.read_receipt(body)
        to = body.get("to")
        if not isinstance(to, str) or not to.lstrip("+").replace(" ", "").isdigit():
            raise graph_error(400, "(#100) The parameter to is required.", 100, 2494010)
        wa_id = to.lstrip("+").replace(" ", "").replace("-", "")
        kind, text, markup, media = self.validate(body)
        fault = self.p.store.take_fault(self.channel, wa_id)
        if fault is not None:
            if fault.kind == "rate_limit":
                raise _throughput_reached()
            raise graph_error(500, "An unknown error has occurred.", 1, error_type="OAuthException")
        over = self.p.store.over_rate(self.channel, wa_id)
        if over is not None and over[0] == "chat":
            raise graph_error(
                400,
                "(#131056) (Business Account, Consumer Account) pair rate limit hit",
                131056,
                error_type="OAuthException",
                details="Too many messages sent from the sender phone number to the same recipient phone number in "
                "a short period of time.",
                product="whatsapp",
            )
        if over is not None:
            raise _throughput_reached()
        if self.p.store.is_blocked(self.channel, wa_id):
            raise graph_error(
                400,
                "(#131026) Message undeliverable",
                131026,
                error_type="OAuthException",
                details="Unable to deliver message: the recipient blocked the business or is not on WhatsApp.",
                product="whatsapp",
            )
        self.p.store.count_rate(self.channel, wa_id)
        wamid = self.p.store.wamid()
        if kind == "template":
            text, markup = self.check_template(markup)
        elif kind != "reaction" and not self.p.store.window_open(self.channel, wa_id):
            # Accepted, then failed: the Cloud API reports the closed window only in a status webhook.
            record = self.p.store.record(self.channel, wa_id, "messages", body, wamid)
            record.failed = {"code": 131047, "title": "Re-engagement message", "details": REENGAGEMENT}
            self.report_failure(wa_id, wamid, record.failed)
            return 200, {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": wa_id}],
                "messages": [{"id": wamid, "message_status": "accepted"}],
            }
        extra: JSON = {"type": body.get("type", "text")}
        if body.get("context"):
            extra["context"] = body["context"]
        message = ChatMessage(
            seq=self.p.store.next_seq(),
            channel=self.channel,
            chat_id=wa_id,
            id=wamid,
            sender="bot",
            kind=kind,
            text=text,
            markup=markup,
            media=media,
            extra=extra,
        )
        if kind == "reaction":
            target = self.p.store.find_message(self.channel, wa_id, str((body.get("reaction") or {}).get("message_id")))
            if target is not None:
                target.extra["reaction"] = (body.get("reaction") or {}).get("emoji")
                self.p.store.touch(target)
            self.p.store.record(self.channel, wa_id, "messages", body, wamid)
        else:
            self.p.store.add_message(message)
            self.p.store.record(self.channel, wa_id, "messages", body, wamid, message)
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": wa_id}],
            "messages": [{"id": wamid, "message_status": "accepted"}],
        }

    def report_failure(self, wa_id: str, wamid: str, failure: JSON) -> None:
        """The `failed` status webhook, a moment after the 200 (as Meta's arrives: never before the answer),
        signed like every WhatsApp webhook; the webhook's answer is noted in `failure` (`webhook_status`)."""
        from local.platforms.inbound import deliver_raw, whatsapp_failed_status

        raw = whatsapp_failed_status(self.p, wa_id, wamid, failure)

        def post() -> None:
            time.sleep(STATUS_DELAY_SECONDS)
            delivered = deliver_raw(self.p, self.channel, raw)
            with self.p.store.lock:
                failure["webhook_status"] = delivered.status
                self.p.store.version += 1

        threading.Thread(target=post, name="whatsapp-status", daemon=True).start()

    def read_receipt(self, body: JSON) -> tuple[int, JSON]:
        message_id = body.get("message_id")
        if not isinstance(message_id, str) or not message_id.startswith("wamid."):
            raise invalid("message_id must be the wamid of a received message", "whatsapp")
        typing = body.get("typing_indicator")
        if typing is not None and (not isinstance(typing, dict) or typing.get("type") != "text"):
            raise invalid('typing_indicator.type must be "text"', "whatsapp")
        chat_id = None
        with self.p.store.lock:
            for (channel, cid), messages in self.p.store.conversations.items():
                if channel == self.channel and any(m.id == message_id for m in messages):
                    chat_id = cid
                    for m in messages:
                        if m.id == message_id:
                            m.extra["read"] = True
                            self.p.store.touch(m)
            if chat_id is not None and typing is not None:
                self.p.store.set_typing(self.channel, chat_id, 25.0)
            self.p.store.record(self.channel, chat_id, "messages", body)
        return 200, {"success": True}

    def validate(self, body: JSON) -> tuple[str, str | None, Any, JSON | None]:
        kind = body.get("type", "text")
        product = "whatsapp"
        if kind == "text":
            text = (body.get("text") or {}).get("body") if isinstance(body.get("text"), dict) else None
            if not isinstance(text, str) or not text:
                raise graph_error(400, "(#100) The parameter text['body'] is required.", 100, 2494010)
            if len(text) > WA_TEXT_LIMIT:
                raise invalid(f"Param text['body'] must be at most {WA_TEXT_LIMIT} characters long.", product)
            return "text", text, None, None
        if kind == "interactive":
            interactive = body.get("interactive")
            if not isinstance(interactive, dict):
                raise graph_error(400, "(#100) The parameter interactive is required.", 100, 2494010)
            return "interactive", self.check_interactive(interactive), interactive, None
        if kind in {"image", "document", "audio", "video", "sticker"}:
            obj = body.get(kind)
            if not isinstance(obj, dict) or not (obj.get("id") or obj.get("link")):
                raise invalid(f"Param {kind} must have either id or link", product)
            caption = obj.get("caption")
            if caption is not None:
                _length(caption, 1024, f"{kind}.caption", product)
            if obj.get("id"):
                stored = self.p.store.files.get(str(obj["id"]))
                if stored is None:
                    raise graph_error(
                        400,
                        "(#131053) Media upload error",
                        131053,
                        details="Unknown media id",
                        product=product,
                    )
                url, name, mime = self.p.file_url(stored.id), stored.name, stored.mime_type
            else:
                url = str(obj["link"])
                name, mime = url.rsplit("/", 1)[-1], "application/octet-stream"
            name = obj.get("filename") or name
            mapped = str({"image": "photo", "document": "document"}.get(kind, kind))
            return mapped, caption, None, {"url": url, "name": name, "caption": caption, "mime_type": mime}
        if kind == "template":
            template = body.get("template")
            if not isinstance(template, dict) or not template.get("name"):
                raise graph_error(400, "(#100) The parameter template['name'] is required.", 100, 2494010)
            if not isinstance(template.get("language"), dict) or not template["language"].get("code"):
                raise graph_error(400, "(#100) The parameter template['language'] is required.", 100, 2494010)
            return "template", f"[template {template['name']}]", template, None
        if kind == "location":
            loc = body.get("location") or {}
            if "latitude" not in loc or "longitude" not in loc:
                raise invalid("location requires latitude and longitude", product)
            return "location", loc.get("name") or f"{loc['latitude']}, {loc['longitude']}", loc, None
        if kind == "contacts":
            contacts = body.get("contacts")
            if not isinstance(contacts, list) or not contacts:
                raise invalid("contacts must be a non-empty array", product)
            return "contacts", None, contacts, None
        if kind == "reaction":
            reaction = body.get("reaction")
            if not isinstance(reaction, dict) or not reaction.get("message_id"):
                raise invalid("reaction requires message_id", product)
            return "reaction", reaction.get("emoji"), None, None
        raise graph_error(
            400,
            f'(#100) Param type must be one of {{TEXT, IMAGE, DOCUMENT, INTERACTIVE, ...}} - got "{kind}".',
            100,
            2494010,
        )

    def check_template(self, sent: JSON) -> tuple[str, JSON]:
        """An approved template (name and language), its named body parameters exactly, its quick-reply
        payloads within its buttons; the text and buttons the user sees."""
        language = str(sent["language"]["code"])
        approved = approved_templates().get((str(sent["name"]), language))
        if approved is None:
            raise graph_error(
                400,
                "(#132001) Template name does not exist in the translation",
                132001,
                details=f"template name ({sent['name']}) does not exist in {language}",
                product="whatsapp",
            )
        body_text, labels = _template_parts(approved)
        expected = set(re.findall(r"\{\{([a-z0-9_]+)\}\}", body_text))
        given: dict[str, str] = {}
        payloads: dict[int, str] = {}
        for component in sent.get("components") or []:
            if component.get("type") == "body":
                for parameter in component.get("parameters") or []:
                    given[str(parameter.get("parameter_name"))] = str(parameter.get("text", ""))
            elif component.get("type") == "button" and component.get("sub_type") == "quick_reply":
                index = int(component.get("index", -1))
                if not 0 <= index < len(labels):
                    raise graph_error(
                        400, "(#131009) Parameter value is not valid", 131009, details="button", product="whatsapp"
                    )
                payloads[index] = str((component.get("parameters") or [{}])[0].get("payload", ""))
        if set(given) != expected:
            raise graph_error(
                400,
                "(#132000) Number of parameters does not match the expected number of params",
                132000,
                details=f"body: localizable_params ({len(given)}) does not match the expected ({len(expected)})",
                product="whatsapp",
            )
        for value in given.values():
            if not value or re.search(r"[\n\t]| {5,}", value):
                raise graph_error(
                    400,
                    "(#132018) There was an issue with the parameters in your template.",
                    132018,
                    details="Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
                    product="whatsapp",
                )
        shown = re.sub(r"\{\{([a-z0-9_]+)\}\}", lambda m: given[m.group(1)], body_text)
        buttons = [{"text": label, "payload": payloads.get(i, label)} for i, label in enumerate(labels)]
        return shown, {**sent, "buttons": buttons}

    def check_interactive(self, interactive: JSON) -> str:
        product = "whatsapp"
        itype = interactive.get("type")
        body_text = (interactive.get("body") or {}).get("text") if isinstance(interactive.get("body"), dict) else None
        header = interactive.get("header")
        if isinstance(header, dict) and header.get("type") == "text":
            _length(header.get("text"), 60, "interactive.header.text", product)
        footer = interactive.get("footer")
        if isinstance(footer, dict):
            _length(footer.get("text"), 60, "interactive.footer.text", product)
        action = interactive.get("action")
        if not isinstance(action, dict):
            raise graph_error(400, "(#100) The parameter interactive['action'] is required.", 100, 2494010)
        if itype == "button":
            text = _length(body_text, 1024, "interactive.body.text", product)
            buttons = action.get("buttons")
            if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
                raise invalid("Param interactive['action']['buttons'] must have between 1 and 3 buttons", product)
            ids: set[str] = set()
            titles: set[str] = set()
            for button in buttons:
                reply = button.get("reply") if isinstance(button, dict) else None
                if not isinstance(reply, dict) or button.get("type") != "reply":
                    raise invalid("each button must be {type: reply, reply: {id, title}}", product)
                ids.add(_length(reply.get("id"), 256, "button reply id", product))
                titles.add(
                    _length(
                        reply.get("title"),
                        20,
                        "Param interactive['action']['buttons'][]['reply']['title']",
                        product,
                    )
                )
            if len(ids) != len(buttons) or len(titles) != len(buttons):
                raise invalid("Buttons must have unique ids and titles", product)
            return text
        if itype == "list":
            text = _length(body_text, 4096, "interactive.body.text", product)
            _length(action.get("button"), 20, "interactive.action.button", product)
            sections = action.get("sections")
            if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
                raise invalid("Param interactive['action']['sections'] must have between 1 and 10 sections", product)
            rows_total = 0
            row_ids: set[str] = set()
            for section in sections:
                if not isinstance(section, dict):
                    raise invalid("each section must be an object", product)
                if len(sections) > 1 or section.get("title") is not None:
                    _length(section.get("title"), 24, "section title", product)
                rows = section.get("rows")
                if not isinstance(rows, list) or not rows:
                    raise invalid("each section needs rows", product)
                for row in rows:
                    rows_total += 1
                    row_ids.add(_length(row.get("id"), 200, "row id", product))
                    _length(row.get("title"), 24, "row title", product)
                    if row.get("description") is not None:
                        _length(row.get("description"), 72, "row description", product)
            if rows_total > 10:
                raise invalid("Total row count exceed max allowed count: 10", product)
            if len(row_ids) != rows_total:
                raise invalid("Row ids must be unique", product)
            return text
        if itype == "cta_url":
            text = _length(body_text, 1024, "interactive.body.text", product)
            params = action.get("parameters") or {}
            _length(params.get("display_text"), 20, "cta_url display_text", product)
            if not str(params.get("url", "")).startswith(("http://", "https://")):
                raise invalid("cta_url url must be an http(s) URL", product)
            return text
        if itype in {"product", "product_list", "flow", "location_request_message", "address_message"}:
            return str(body_text or f"[{itype}]")
        raise invalid(f"unsupported interactive type {itype!r}", product)

    def upload_media(self, phone_number_id: str, token: str | None, data: bytes, mime: str, name: str) -> JSON:
        check_token(token, self.p.secrets.whatsapp_access_token)
        if phone_number_id != self.p.secrets.whatsapp_phone_number_id:
            raise invalid("unknown phone number id", "whatsapp")
        if not data:
            raise invalid("file is required", "whatsapp")
        stored = self.p.store.put_file(data, mime, name, "9")
        return {"id": stored.id}

    def media_info(self, media_id: str, token: str | None) -> JSON:
        check_token(token, self.p.secrets.whatsapp_access_token)
        stored = self.p.store.files.get(media_id)
        if stored is None:
            raise graph_error(
                400,
                f"Unsupported get request. Object with ID '{media_id}' does not exist",
                100,
                33,
                error_type="GraphMethodException",
            )
        import hashlib

        return {
            "messaging_product": "whatsapp",
            "url": f"{self.p.base_url}/_media/{stored.id}",
            "mime_type": stored.mime_type,
            "sha256": hashlib.sha256(stored.data).hexdigest(),
            "file_size": len(stored.data),
            "id": stored.id,
        }


# Messenger ---------------------------------------------------------------------------------------------
class MessengerApi:
    channel = "messenger"

    def __init__(self, platforms: Platforms) -> None:
        self.p = platforms

    def handle_messages(self, token: str | None, body: Any) -> tuple[int, JSON]:
        check_token(token, self.p.secrets.messenger_page_access_token)
        if not isinstance(body, dict):
            raise invalid("the request body must be a JSON object")
        recipient = body.get("recipient")
        if not isinstance(recipient, dict) or not recipient.get("id"):
            raise graph_error(400, "(#100) The parameter recipient is required", 100, 2018001)
        psid = str(recipient["id"])
        action = body.get("sender_action")
        message = body.get("message")
        if action is not None and message is not None:
            raise graph_error(400, "(#100) sender_action cannot be sent with message", 100, 2018001)
        if action is None and message is None:
            raise graph_error(400, "(#100) Must send either message or sender_action", 100, 2018001)
        fault = self.p.store.take_fault(self.channel, psid)
        if fault is not None:
            if fault.kind == "rate_limit":
                raise graph_error(400, "(#613) Calls to this api have exceeded the rate limit.", 613)
            raise graph_error(
                500,
                "An unexpected error has occurred. Please retry your request later.",
                2,
                error_type="OAuthException",
            )
        if self.p.store.over_rate(self.channel, psid) is not None:
            raise graph_error(400, "(#613) Calls to this api have exceeded the rate limit.", 613)
        if self.p.store.is_blocked(self.channel, psid):
            raise graph_error(400, "(#551) This person isn't available right now.", 551, 1545041)
        self.p.store.count_rate(self.channel, psid)
        if action is not None:
            if action not in {"typing_on", "typing_off", "mark_seen"}:
                raise graph_error(
                    400,
                    "(#100) Param sender_action must be one of {MARK_SEEN, TYPING_ON, TYPING_OFF}",
                    100,
                    2018001,
                )
            if action == "typing_on":
                self.p.store.set_typing(self.channel, psid, 20.0)
            elif action == "typing_off":
                self.p.store.set_typing(self.channel, psid, 0.0)
            self.p.store.record(self.channel, psid, "me/messages", body)
            return 200, {"recipient_id": psid}
        messaging_type = body.get("messaging_type")
        if messaging_type not in {"RESPONSE", "UPDATE", "MESSAGE_TAG"}:
            raise graph_error(
                400,
                "(#100) param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}",
                100,
                2018001,
            )
        if messaging_type == "MESSAGE_TAG" and not body.get("tag"):
            raise graph_error(400, "(#100) Param tag is required for messaging_type MESSAGE_TAG", 100, 2018001)
        if messaging_type == "MESSAGE_TAG" and body["tag"] not in MESSAGE_TAGS:
            allowed = ", ".join(sorted(MESSAGE_TAGS))
            raise graph_error(400, f"(#100) Param tag must be one of {{{allowed}}}", 100)
        if messaging_type != "MESSAGE_TAG" and not self.p.store.window_open(self.channel, psid):
            raise graph_error(
                400, "(#10) This message is sent outside of allowed window.", 10, 2018278, error_type="OAuthException"
            )
        kind, text, markup, media = self.validate(message)
        mid = self.p.store.mid()
        stored = ChatMessage(
            seq=self.p.store.next_seq(),
            channel=self.channel,
            chat_id=psid,
            id=mid,
            sender="bot",
            kind=kind,
            text=text,
            markup=markup,
            media=media,
            extra={"messaging_type": messaging_type},
        )
        self.p.store.add_message(stored)
        self.p.store.record(self.channel, psid, "me/messages", body, mid, stored)
        return 200, {"recipient_id": psid, "message_id": mid}

    def validate(self, message: Any) -> tuple[str, str | None, Any, JSON | None]:
        if not isinstance(message, dict):
            raise invalid("message must be an object")
        text = message.get("text")
        attachment = message.get("attachment")
        if (text is None) == (attachment is None):
            raise graph_error(400, "(#100) Must send either message text or an attachment", 100, 2018001)
        markup: JSON = {}
        quick = message.get("quick_replies")
        if quick is not None:
            if not isinstance(quick, list) or not 1 <= len(quick) <= 13:
                raise graph_error(
                    400,
                    "(#100) param message[quick_replies] must have between 1 and 13 elements",
                    100,
                    2018001,
                )
            for reply in quick:
                ctype = reply.get("content_type") if isinstance(reply, dict) else None
                if ctype == "text":
                    _length(reply.get("title"), 20, "quick_replies[].title", None)
                    _length(reply.get("payload"), 1000, "quick_replies[].payload", None)
                elif ctype not in {"user_phone_number", "user_email"}:
                    raise invalid("quick_replies[].content_type must be text, user_phone_number or user_email")
            markup["quick_replies"] = quick
        if text is not None:
            if not isinstance(text, str) or not text:
                raise invalid("message[text] must be a non-empty string")
            if len(text) > FB_TEXT_LIMIT:
                raise graph_error(
                    400,
                    f"(#100) Length of param message[text] must be less than or equal to {FB_TEXT_LIMIT}",
                    100,
                    2018001,
                )
            return "text", text, markup or None, None
        if not isinstance(attachment, dict):
            raise invalid("message[attachment] must be an object")
        atype = attachment.get("type")
        payload = attachment.get("payload") or {}
        if atype == "template":
            ttype = payload.get("template_type")
            if ttype == "button":
                text_value = _length(payload.get("text"), 640, "payload[text]", None)
                self.check_buttons(payload.get("buttons"))
                markup["template"] = payload
                return "template", text_value, markup, None
            if ttype == "generic":
                elements = payload.get("elements")
                if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                    raise invalid("generic template needs 1-10 elements")
                for element in elements:
                    _length(element.get("title"), 80, "elements[].title", None)
                    if element.get("subtitle") is not None:
                        _length(element.get("subtitle"), 80, "elements[].subtitle", None)
                    if element.get("buttons") is not None:
                        self.check_buttons(element["buttons"])
                markup["template"] = payload
                return "template", elements[0].get("title"), markup, None
            raise invalid(f"unsupported template_type {ttype!r}")
        if atype in {"image", "file", "audio", "video"}:
            url = payload.get("url")
            attachment_id = payload.get("attachment_id")
            if attachment_id:
                stored = self.p.store.files.get(str(attachment_id))
                if stored is None:
                    raise invalid("unknown attachment_id")
                url = self.p.file_url(stored.id)
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise invalid("attachment payload needs a url or an attachment_id")
            kind = {"image": "photo", "file": "document"}.get(str(atype), str(atype))
            media = {
                "url": url,
                "name": url.rsplit("/", 1)[-1],
                "caption": None,
                "mime_type": "image/*" if atype == "image" else "application/octet-stream",
            }
            return kind, None, markup or None, media
        raise invalid(f"unsupported attachment type {atype!r}")

    def check_buttons(self, buttons: Any) -> None:
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise graph_error(400, "(#100) param buttons must have between 1 and 3 elements", 100, 2018001)
        for button in buttons:
            btype = button.get("type") if isinstance(button, dict) else None
            if btype == "postback":
                _length(button.get("title"), 20, "buttons[].title", None)
                _length(button.get("payload"), 1000, "buttons[].payload", None)
            elif btype == "web_url":
                _length(button.get("title"), 20, "buttons[].title", None)
                if not str(button.get("url", "")).startswith(("http://", "https://")):
                    raise invalid("buttons[].url must be an http(s) URL")
            elif btype == "phone_number":
                _length(button.get("title"), 20, "buttons[].title", None)
                _length(button.get("payload"), 30, "buttons[].payload", None)
            else:
                raise invalid("buttons[].type must be postback, web_url or phone_number")

    def profile(self, psid: str, token: str | None) -> JSON:
        check_token(token, self.p.secrets.messenger_page_access_token)
        user = self.p.store.users.get((self.channel, psid))
        if user is None:
            raise graph_error(
                400,
                f"Unsupported get request. Object with ID '{psid}' does not exist",
                100,
                33,
                error_type="GraphMethodException",
            )
        return {
            "first_name": user.get("first_name"),
            "last_name": user.get("last_name", ""),
            "profile_pic": f"{self.p.base_url}/_files/avatar",
            "id": psid,
        }

    def check_persistent_menu(self, menus: Any, *, has_get_started: bool) -> None:
        """As the Messenger Profile API refuses: a menu needs Get Started (set before or with it) and a
        `default` locale; per locale at most 20 items, titles of 1-30 characters, payloads up to 1000."""
        if not has_get_started:
            raise graph_error(
                400, "(#100) You must set a Get Started button if you also wish to use persistent menu.", 100
            )
        if not isinstance(menus, list) or not menus:
            raise invalid("persistent_menu must be a non-empty array")
        locales = [menu.get("locale") if isinstance(menu, dict) else None for menu in menus]
        if "default" not in locales:
            raise invalid("persistent_menu must have a menu with locale 'default'")
        for menu in menus:
            actions = menu.get("call_to_actions")
            if menu.get("composer_input_disabled") and not actions:
                raise invalid("call_to_actions is required when composer_input_disabled is true")
            if actions is None:
                continue
            if not isinstance(actions, list) or len(actions) > 20:
                raise invalid("persistent_menu[].call_to_actions must have at most 20 elements")
            for action in actions:
                kind = action.get("type") if isinstance(action, dict) else None
                _length(action.get("title") if kind else None, 30, "call_to_actions[].title", None)
                if kind == "postback":
                    _length(action.get("payload"), 1000, "call_to_actions[].payload", None)
                elif kind == "web_url":
                    if not str(action.get("url", "")).startswith(("http://", "https://")):
                        raise invalid("call_to_actions[].url must be an http(s) URL")
                else:
                    raise invalid("call_to_actions[].type must be postback or web_url")

    def set_profile(self, token: str | None, body: Any) -> JSON:
        check_token(token, self.p.secrets.messenger_page_access_token)
        if not isinstance(body, dict):
            raise invalid("body must be an object")
        with self.p.store.lock:
            if "persistent_menu" in body:
                self.check_persistent_menu(
                    body["persistent_menu"],
                    has_get_started=bool(body.get("get_started") or self.p.store.messenger_profile.get("get_started")),
                )
            self.p.store.messenger_profile.update(body)
            started = body.get("get_started")
            if isinstance(started, dict) and started.get("payload"):
                self.p.store.messenger_get_started = str(started["payload"])
            self.p.store.record(self.channel, None, "me/messenger_profile", body)
        return {"result": "success"}
