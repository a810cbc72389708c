"""Telling a customer something the bank starts: a journey's end (a card issued, a transfer done, a
reason why not), money in, a money request, a plastic card's status. The text comes from the catalogue
in the chat's language.

The delivery policy, per chat, in order:
1. free-form (Messenger's messaging_type UPDATE), which the platforms allow within 24 hours of the
   customer's last message;
2. after that window, the notice's approved WhatsApp template or Messenger message tag (notices.yaml);
3. when the chat still cannot be reached (the bot blocked, a closed window on a platform without
   either, Viber's cap of 100 bot messages an hour without a reply spent: by the bank's own count in
   notices/windows.py or by Viber's refusal), the customer's other bound chats, the same way;
4. when none can, the notice is counted (``NoticesUndelivered``, alarmed), logged with the reasons, and
   the journey's outcome stands: it never waits on a message.

WhatsApp accepts a free-form message after its window and refuses it later in a status webhook (131047):
a notice sent free-form there is remembered by its message id (windows.py, no personal parameter kept),
and ``platform_refused`` sends it again as its template and closes the chat's window; a refusal for any
other reason, or of a notice whose personal parameters were not kept, is counted undelivered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from messenger_bank.channels import message_api
from messenger_bank.channels.client import MessageAPI, RecipientUnavailable, can_edit
from messenger_bank.channels.models import (
    Attachment,
    Button,
    ChatRef,
    InboundEvent,
    OutboundMessage,
    OutsideWindow,
    SentMessage,
)
from messenger_bank.conversation.catalogue import text
from messenger_bank.customers import service as customers
from messenger_bank.customers.service import CustomersRepository
from messenger_bank.notices.models import Notified, NotifyRequest
from messenger_bank.notices.templates import PERSONAL, notice, outside_window
from messenger_bank.notices.windows import (
    REFUSED_LATER,
    SentNotice,
    WindowsRepository,
    bot_sent,
    cap_reached,
    window_open,
)
from messenger_bank.observability import count, logger, metrics

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
    return _send_notice(chat, message, outside, messages=messages, windows=windows)[0]


def _send_notice(
    chat: ChatRef,
    message: OutboundMessage,
    outside: OutsideWindow,
    *,
    messages: MessageAPI,
    windows: WindowsRepository | None = None,
) -> tuple[str, str | None]:
    """send_notice's answer, and the id of the notice's first message where the platform gave one."""
    now = datetime.now(UTC)
    if cap_reached(chat.channel, chat.key, now, repository=windows):
        count("NoticesRefused", channel=chat.channel, reason="cap_reached")
        return "cap_reached: the bank's count of messages without a reply", None
    open_now = window_open(chat.channel, chat.key, now, repository=windows)
    result, route = messages.send_notice(chat, message, outside, window_open=open_now)
    if isinstance(result, RecipientUnavailable):
        refusal = "cap_reached" if result.cap_reached else "window_closed" if result.window_closed else "unavailable"
        count("NoticesRefused", channel=chat.channel, reason=refusal)
        why = f"cap_reached: {result.reason}" if result.cap_reached else result.reason or "unavailable"
        return why, None
    count("NoticesSent", channel=chat.channel, route=route)
    bot_sent(chat.channel, chat.key, now, repository=windows)
    if route == "free_form" and chat.channel in REFUSED_LATER:
        _remember(chat, result, outside, now, windows)
    # Kept only where a later notice can edit it: a Viber token is a 19-digit number, and in a journey's
    # history a number of that shape is what the bank's card-number scans look for.
    editable = result.message_ids and can_edit(chat.channel)
    return "", result.message_ids[0] if editable else None


def _remember(
    chat: ChatRef, result: SentMessage, outside: OutsideWindow, now: datetime, windows: WindowsRepository | None
) -> None:
    """Keep what the notice's template needs, by the id of its last message (the one with its buttons: a
    closed window refuses them all), for the status webhook that may refuse it; personal values stay out."""
    if not result.message_ids:
        return
    kept = {name: value for name, value in outside.parameters.items() if name not in PERSONAL}
    withheld = tuple(sorted(set(outside.parameters) - set(kept)))
    sent = SentNotice(outside=outside.model_copy(update={"parameters": kept}), withheld=withheld)
    (windows or WindowsRepository()).remember_notice(chat.key, result.message_ids[-1], sent, now)


def _undelivered(key: str, chat: ChatRef, reasons: list[str]) -> Notified:
    metrics.add_metric(name="NoticesUndelivered", unit="Count", value=1)  # the alarm's metric: no dimension
    logger.warning("notice undelivered", extra={"notice": key, "channel": chat.channel, "reasons": reasons})
    return Notified(delivered=False, outcome="recipient_unavailable")


def platform_refused(
    event: InboundEvent, *, messages: MessageAPI | None = None, windows: WindowsRepository | None = None
) -> None:
    """The platform refused, after accepting it, a message the bank sent (event kind "undelivered")."""
    repository = windows or WindowsRepository()
    chat = event.chat
    sent = repository.take_notice(chat.key, event.message_id) if event.message_id else None
    reason = event.refusal or "refused"
    if sent is None:  # a reply in a turn, or a status repeated after the notice was dealt with
        logger.info(
            "sent message refused later; no notice waits on it", extra={"channel": chat.channel, "reason": reason}
        )
        return
    key = sent.outside.template
    if event.window_closed:
        repository.close(chat.key, event.sent_at)
        if sent.withheld:
            reason += f"; not sent again: {', '.join(sent.withheld)} not kept"
        else:
            blank = OutboundMessage(proactive=True)  # only the template goes: the window is closed
            result, route = (messages or message_api()).send_notice(chat, blank, sent.outside, window_open=False)
            if not isinstance(result, RecipientUnavailable):
                count("NoticesSent", channel=chat.channel, route=route)
                logger.info("notice sent again as its template", extra={"notice": key, "channel": chat.channel})
                return
            reason += f"; its template: {result.reason}"
    count("NoticesRefused", channel=chat.channel, reason="window_closed" if event.window_closed else "refused_later")
    _undelivered(key, chat, [f"{chat.channel}: {reason}"])


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
    why, message_id = _send_notice(chat, message, outside, messages=api, windows=windows)
    if not why:
        return Notified(delivered=True, outcome="sent", message_id=message_id)
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
    return _undelivered(key, chat, reasons)


def warm() -> None:
    """A warm-up's share of notifying (handlers.lambda_entry): the platforms' secrets read, the clients created."""
    message_api().prepare()


def notify(
    request: NotifyRequest,
    *,
    messages: MessageAPI | None = None,
    customers_repository: CustomersRepository | None = None,
    windows: WindowsRepository | None = None,
) -> Notified:
    menu = tuple(MENU_PAYLOAD for label in notice(request.message).buttons if label == "nav.menu")
    outside = outside_window(request.message, request.language, request.values, menu)
    chat, message = chat_of(request.chat_key), compose(request)
    api = messages or message_api()
    if request.edit_message_id:
        edited = _edit(request.message, chat, request.edit_message_id, message, api)
        if edited is not None:
            return edited
    if request.edit_only:
        return Notified(delivered=False, outcome="not_edited")
    return deliver(
        request.message,
        chat,
        message,
        outside,
        messages=api,
        customers_repository=customers_repository,
        windows=windows,
    )


def _edit(key: str, chat: ChatRef, message_id: str, message: OutboundMessage, api: MessageAPI) -> Notified | None:
    """The journey's earlier message edited into this notice (a live receipt), the picture sent after it;
    None where the platform cannot edit or refused (too old, deleted): the notice then goes out as new.
    An edit has no 24 h window (Telegram, the one platform that edits)."""
    words = message.model_copy(update={"attachment": None, "proactive": True})
    if not api.edit_in_place(chat, message_id, words):
        return None
    count("NoticesSent", channel=chat.channel, route="edited")
    if message.attachment is not None:
        picture = api.send(chat, OutboundMessage(attachment=message.attachment, proactive=True))
        if isinstance(picture, RecipientUnavailable):  # the words are there: the receipt stands without it
            logger.warning("receipt picture not sent", extra={"notice": key, "channel": chat.channel})
    return Notified(delivered=True, outcome="edited", message_id=message_id)


@dataclass(frozen=True)
class ChatsTold:
    """How a notice to each of a customer's chats went: how many took it, how many refused (raised)."""

    delivered: int
    refused: int


def tell_each_chat(
    chats: Sequence[ChatRef],
    notice_for: Callable[[ChatRef], NotifyRequest],
    *,
    tell: Callable[[NotifyRequest], Notified] = notify,
    about: dict[str, str | None] | None = None,
) -> ChatsTold:
    """The notice `notice_for` makes for each chat, sent to every chat in turn; a chat whose messenger is
    down (its call raises) is counted and logged with `about` (ids only), and never keeps the notice from
    the others. The caller decides what none delivered means."""
    delivered = refused = 0
    for chat in chats:
        try:
            told = tell(notice_for(chat))
        except Exception as exc:  # one messenger down must not keep the notice from the others
            refused += 1
            logger.warning(
                "a chat refused the notice",
                extra={**(about or {}), "channel": chat.channel, "error": type(exc).__name__},
            )
            continue
        delivered += told.delivered
    return ChatsTold(delivered=delivered, refused=refused)
