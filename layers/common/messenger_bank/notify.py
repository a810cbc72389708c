"""Telling a chat something outside a conversation turn: journeys end here (a card issued, a transfer
done, a reason why not). The text comes from the catalogue in the chat's language."""

from __future__ import annotations

from messenger_bank.channels import RecipientUnavailable, message_api
from messenger_bank.channels.client import MessageAPI
from messenger_bank.channels.models import Attachment, Button, ChatRef, OutboundMessage
from messenger_bank.conversation.catalogue import text
from messenger_bank.observability import logger
from messenger_bank.onboarding.models import Notified, NotifyRequest


def chat_of(chat_key: str) -> ChatRef:
    channel, _, chat_id = chat_key.partition(":")
    return ChatRef.model_validate({"channel": channel, "chat_id": chat_id})


def compose(request: NotifyRequest) -> OutboundMessage:
    attachment = None
    if request.picture_url:
        attachment = Attachment(kind="picture", url=request.picture_url)
    elif request.document_url:
        attachment = Attachment(kind="document", url=request.document_url, filename="document.pdf")
    # Global payloads work in any session state, so the customer can go on from here.
    rows: list[tuple[Button, ...]] = []
    if request.go:
        label = text(request.go_label or "nav.menu", request.language)
        rows.append((Button(label=label, payload=f"g:go:{request.go}"),))
    if request.menu:
        rows.append((Button(label=text("nav.menu", request.language), payload="g:menu"),))
    buttons = tuple(rows)
    return OutboundMessage(
        text=text(request.message, request.language, **request.values), attachment=attachment, buttons=buttons
    )


def notify(request: NotifyRequest, *, messages: MessageAPI | None = None) -> Notified:
    result = (messages or message_api()).send(chat_of(request.chat_key), compose(request))
    if isinstance(result, RecipientUnavailable):
        # Blocked the bot, or out of the platform's window: the journey's outcome stands regardless.
        logger.info("customer not reachable", extra={"message": request.message})
        return Notified(delivered=False, outcome="recipient_unavailable")
    return Notified(delivered=True, outcome="sent")
