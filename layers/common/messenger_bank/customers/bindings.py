"""Bound chats the customer controls: a customer's chats on several messengers, each bound by a proof.

    bind_chat       a chat bound to an existing customer (sign-in, or a second messenger met by
                    find_or_create) is announced on the customer's other bound chats, in the customer's
                    language, with a "This wasn't me" button: ``g:go:not_me:disown:<binding id>``
    this_wasnt_me   that button, pressed from one of those chats: the binding it names, if it is this
                    customer's and newer than the pressing chat's, is removed at once; the removed chat's
                    proof of a card and its conversation session are forgotten (its next message is a
                    stranger's); metric ``ThisWasntMe``
    list_chats / remove_chat
                    "My chats" in the card menu: the bound chats, and removing one (this one too, then
                    this chat is a stranger's). A chat bound less than NEW_CHAT_HOLD ago removes only
                    itself and chats bound after it: someone who has just signed in with a stolen card
                    cannot cut the customer's older chats off before they press "This wasn't me".

The binding id a button names is checked against the customer the session proves (the platform proves
which chat pressed): another customer's id, or one removed already, is ``ChatNotFound``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

from messenger_bank.channels.models import Button, ChatRef, OutboundMessage, OutsideWindow
from messenger_bank.conversation.catalogue import text
from messenger_bank.customers.errors import ChatNotFound, ChatTooNew
from messenger_bank.customers.models import (
    Binding,
    BoundChat,
    ChannelIdentity,
    ChatDisowned,
    ChatList,
    ChatRemoved,
    Customer,
    DisownChatRequest,
    ListChatsRequest,
    RemoveChatRequest,
)
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.images.formatting import MINSK as MINSK
from messenger_bank.images.formatting import format_datetime
from messenger_bank.notices.templates import outside_window
from messenger_bank.observability import logger, metrics
from messenger_bank.security.digests import chat_digest as chat_binding
from messenger_bank.types import Channel, Language

FLOW: Final = "not_me"
DISOWN_STEP: Final = "disown"
ANNOUNCED: Final = "chats.announced"  # the notice on the customer's other chats
NEW_CHAT_HOLD: Final = timedelta(hours=24)

# Sends one message; False when the chat cannot be written to now (blocked, out of the 24 h window).
Announce = Callable[[ChatRef, OutboundMessage, OutsideWindow], bool]
ForgetSession = Callable[[str], None]


def _send(chat: ChatRef, message: OutboundMessage, outside: OutsideWindow) -> bool:
    # Imported here: only a call that announces reaches the messengers (and their tokens); and notices
    # look customers up for their own fallback, which an announcement to every chat does not need.
    from messenger_bank.channels import message_api
    from messenger_bank.notices.service import send_notice

    return not send_notice(chat, message, outside, messages=message_api())


def _forget_session(chat_key: str) -> None:
    # The chat's conversation (its session token too) is the conversation context's; it forgets it. Its
    # engine is imported first: sessions.py and the engine import each other, the engine's way round works.
    import messenger_bank.conversation.engine  # noqa: F401
    from messenger_bank.conversation.sessions import sessions

    sessions().forget(chat_key)


def messenger_name(channel: Channel, language: Language) -> str:
    return text(f"chats.messenger.{channel}", language)


def when_text(moment: datetime | None, language: Language) -> str:
    if moment is None:
        return text("chats.long_ago", language)
    return format_datetime(moment.astimezone(MINSK), language)


def disown_payload(binding: Binding) -> str:
    return f"g:go:{FLOW}:{DISOWN_STEP}:{binding.binding_id}"


# -------------------------------------------------------------- binding and announcing


def bind_chat(
    customer: Customer,
    identity: ChannelIdentity,
    *,
    repository: CustomersRepository | None = None,
    announce: Announce | None = None,
    now: datetime | None = None,
) -> Binding | None:
    """Bind the chat to the customer; a new binding is announced on the customer's other chats.

    Never raises for an announcement that could not go out: the binding stands either way."""
    customers = repository or CustomersRepository()
    binding = customers.link_identity(customer.customer_id, identity, now or datetime.now(UTC))
    if binding is None:
        return None  # bound already: nothing new to announce
    others = [b for b in customers.bindings(customer.customer_id) if b.binding_id != binding.binding_id]
    announced = 0
    for other in others:
        try:
            chat = ChatRef(channel=other.identity.channel, chat_id=other.identity.chat_id)
            message, outside = announcement(customer.language, binding)
            announced += (announce or _send)(chat, message, outside)
        except Exception:
            logger.exception("binding announcement failed", extra={"channel": other.identity.channel})
            metrics.add_metric(name="BindingAnnouncementFailed", unit="Count", value=1)
    logger.info(
        "chat bound to an existing customer",
        extra={"customer_id": customer.customer_id, "channel": identity.channel, "announced_on": announced},
    )
    return binding


def announcement(language: Language, new: Binding) -> tuple[OutboundMessage, OutsideWindow]:
    """What the customer's other chats read about a new one, with the button that names it; and the
    same as its WhatsApp template or Messenger tag, for a chat quiet for more than 24 hours."""
    values: dict[str, str | int] = {
        "messenger": messenger_name(new.identity.channel, language),
        "when": when_text(new.bound_at, language),
    }
    message = OutboundMessage(
        text=text(ANNOUNCED, language, **values),
        buttons=(
            (Button(label=text("chats.not_me", language), payload=disown_payload(new)),),
            (Button(label=text("nav.menu", language), payload="g:menu"),),
        ),
    )
    return message, outside_window(ANNOUNCED, language, values, (disown_payload(new), "g:menu"))


# -------------------------------------------------------------- the customer's own chats


def _asking(bindings: list[Binding], chat_key: str) -> Binding | None:
    return next((b for b in bindings if b.chat_key == chat_key), None)


def _unbind(
    customers: CustomersRepository, binding: Binding, *, forget_session: ForgetSession | None, this_chat: bool
) -> None:
    if not customers.unbind(binding):
        raise ChatNotFound("the chat was removed already")
    customers.forget_authentication(binding.customer_id, chat_binding(binding.chat_key))
    if not this_chat:
        # This chat's own turn drops its customer (the flow's sets_customer); another chat's session
        # is forgotten here, so its next message, even one already on its way, is a stranger's.
        (forget_session or _forget_session)(binding.chat_key)


def list_chats(request: ListChatsRequest, *, repository: CustomersRepository | None = None) -> ChatList:
    customers = repository or CustomersRepository()
    # A chat bound before times were kept is the oldest of all.
    bindings = sorted(
        customers.bindings(request.customer_id), key=lambda b: b.bound_at or datetime.min.replace(tzinfo=UTC)
    )
    items = []
    for binding in bindings:
        this_chat = binding.chat_key == request.chat_key
        messenger = messenger_name(binding.identity.channel, request.language)
        when = when_text(binding.bound_at, request.language)
        label = text("chats.this_chat" if this_chat else "chats.other_chat", request.language, messenger=messenger)
        items.append(
            BoundChat(
                binding_id=binding.binding_id,
                messenger=messenger,
                bound=when,
                this_chat=this_chat,
                label=label,
                line=text("chats.line", request.language, chat=label, when=when),
            )
        )
    return ChatList(items=items, text="\n".join(item.line for item in items))


def remove_chat(
    request: RemoveChatRequest,
    *,
    repository: CustomersRepository | None = None,
    forget_session: ForgetSession | None = None,
    now: datetime | None = None,
) -> ChatRemoved:
    """Remove one of the customer's chats (after the customer confirmed it); this one makes it a stranger's."""
    customers = repository or CustomersRepository()
    bindings = customers.bindings(request.customer_id)
    named = next((b for b in bindings if b.binding_id == request.binding_id), None)
    if named is None:
        raise ChatNotFound("no such chat among this customer's")
    asking = _asking(bindings, request.chat_key)
    this_chat = asking is not None and asking.binding_id == named.binding_id
    if not this_chat and _too_new(asking, named, now or datetime.now(UTC)):
        raise ChatTooNew("a chat bound a moment ago cannot remove an older one")
    _unbind(customers, named, forget_session=forget_session, this_chat=this_chat)
    metrics.add_metric(name="ChatRemoved", unit="Count", value=1)
    logger.info("chat removed", extra={"customer_id": request.customer_id, "this_chat": this_chat})
    return ChatRemoved(
        customer_id=None if this_chat else request.customer_id,
        this_chat=this_chat,
        messenger=messenger_name(named.identity.channel, request.language),
    )


def this_wasnt_me(
    request: DisownChatRequest,
    *,
    repository: CustomersRepository | None = None,
    forget_session: ForgetSession | None = None,
) -> ChatDisowned:
    """ "This wasn't me", pressed on an announcement: the newer chat it names is unbound at once."""
    customers = repository or CustomersRepository()
    bindings = customers.bindings(request.customer_id)
    named = next((b for b in bindings if b.binding_id == request.ref), None)
    asking = _asking(bindings, request.chat_key)
    if named is None or asking is None or not _newer(named, than=asking):
        # Another customer's, removed already, made up, or pressed from the named chat itself or a
        # newer one (the announcement goes to the chats that were there before): nothing is removed.
        raise ChatNotFound("no such newer chat among this customer's")
    _unbind(customers, named, forget_session=forget_session, this_chat=False)
    metrics.add_metric(name="ThisWasntMe", unit="Count", value=1)
    logger.warning(
        "chat disowned by the customer", extra={"customer_id": request.customer_id, "channel": named.identity.channel}
    )
    return ChatDisowned(
        messenger=messenger_name(named.identity.channel, request.language),
        bound=when_text(named.bound_at, request.language),
    )


def _newer(binding: Binding, *, than: Binding) -> bool:
    if binding.binding_id == than.binding_id:
        return False
    if binding.bound_at is None:
        return False  # bound before times were kept: older than anything announced
    return than.bound_at is None or binding.bound_at > than.bound_at


def _too_new(asking: Binding | None, named: Binding, now: datetime) -> bool:
    """The asking chat may not remove `named` yet: it is not bound (any more), or it was bound less than
    NEW_CHAT_HOLD ago and `named` is older than it (a chat bound before times were kept is long bound)."""
    if asking is None:
        return True
    recent = asking.bound_at is not None and now - asking.bound_at < NEW_CHAT_HOLD
    return recent and not _newer(named, than=asking)
