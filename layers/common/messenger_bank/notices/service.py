"""Telling a customer something the bank starts: a journey's end (a card issued, a transfer done, a
reason why not), money in, a money request, a plastic card's status. The text comes from the catalogue
in the chat's language.

The delivery policy, per chat, in order:
1. free-form (Messenger's messaging_type UPDATE), which the platforms allow within 24 hours of the
   customer's last message;
2. after that window, the notice's approved WhatsApp template or Messenger message tag (notices.yaml);
3. when the chat still cannot be reached (the bot blocked, a closed window on a platform without
   either), the customer's other bound chats, the same way;
4. when none can, the notice is counted (``NoticesUndelivered``, alarmed), logged with the reasons, and
   the journey's outcome stands: it never waits on a message.
"""

from __future__ import annotations

from datetime import UTC, datetime

from messenger_bank.channels import RecipientUnavailable, message_api
from messenger_bank.channels.client import MessageAPI
from messenger_bank.channels.models import Attachment, Button, ChatRef, OutboundMessage, OutsideWindow
from messenger_bank.conversation.catalogue import text
from messenger_bank.customers import service as customers
from messenger_bank.customers.service import CustomersRepository
from messenger_bank.notices.templates import notice, outside_window
from messenger_bank.notices.windows import WindowsRepository, window_open
from messenger_bank.observability import count, logger, metrics
from messenger_bank.onboarding.models import Notified, NotifyRequest

MENU_PAYLOAD = "g:menu"


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
        rows.append((Button(label=text("nav.menu", request.language), payload=MENU_PAYLOAD),))
    buttons = tuple(rows)
    return OutboundMessage(
        text=text(request.message, request.language, **request.values), attachment=attachment, buttons=buttons
    )


def send_notice(
    chat: ChatRef,
    message: OutboundMessage,
    outside: OutsideWindow,
    *,
    messages: MessageAPI,
    windows: WindowsRepository | None = None,
) -> str:
    """One chat: "" when the notice went out (free-form or, after the window, as its template or
    tagged message), else why not."""
    open_now = window_open(chat.channel, chat.key, datetime.now(UTC), repository=windows)
    result, route = messages.send_notice(chat, message, outside, window_open=open_now)
    if isinstance(result, RecipientUnavailable):
        return result.reason or "unavailable"
    count("NoticesSent", channel=chat.channel, route=route)
    return ""


def deliver(
    key: str,
    chat: ChatRef,
    message: OutboundMessage,
    outside: OutsideWindow,
    *,
    messages: MessageAPI | None = None,
    customers_repository: CustomersRepository | None = None,
    windows: WindowsRepository | None = None,
) -> Notified:
    """Notice `key` to `chat`, else to the customer's other bound chats (see the module's policy)."""
    api = messages or message_api()
    why = send_notice(chat, message, outside, messages=api, windows=windows)
    if not why:
        return Notified(delivered=True, outcome="sent")
    reasons = [f"{chat.channel}: {why}"]
    customer = customers.customer_for_chat(chat.key, repository=customers_repository)
    others = customers.identities_of(customer.customer_id, repository=customers_repository) if customer else []
    for identity in others:
        other = ChatRef.model_validate({"channel": identity.channel, "chat_id": identity.chat_id})
        if other == chat:
            continue
        why = send_notice(other, message, outside, messages=api, windows=windows)
        if not why:
            count("NoticesRerouted", channel=chat.channel, to=other.channel)
            logger.info("notice sent on another messenger", extra={"notice": key, "to": other.channel})
            return Notified(delivered=True, outcome="sent_elsewhere")
        reasons.append(f"{other.channel}: {why}")
    metrics.add_metric(name="NoticesUndelivered", unit="Count", value=1)  # the alarm's metric: no dimension
    logger.warning("notice undelivered", extra={"notice": key, "channel": chat.channel, "reasons": reasons})
    return Notified(delivered=False, outcome="recipient_unavailable")


def notify(
    request: NotifyRequest,
    *,
    messages: MessageAPI | None = None,
    customers_repository: CustomersRepository | None = None,
    windows: WindowsRepository | None = None,
) -> Notified:
    menu = tuple(MENU_PAYLOAD for label in notice(request.message).buttons if label == "nav.menu")
    outside = outside_window(request.message, request.language, request.values, menu)
    return deliver(
        request.message,
        chat_of(request.chat_key),
        compose(request),
        outside,
        messages=messages,
        customers_repository=customers_repository,
        windows=windows,
    )
