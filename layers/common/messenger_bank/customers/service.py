"""Customer operations the journeys and the conversation use. The same person arriving twice (two
messengers, a double press, a retried step) ends as one customer: ids derive from the bank's own
customer id, and the phone, bank id and referral code are unique in the table."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

from messenger_bank.customers.models import Binding, Card, ChannelIdentity, Customer, CustomerLink, NewCustomer

# The repository is handed in by callers that keep one for a request (and by tests, over moto); other
# contexts name its type through this module and reach the table only through the functions below.
from messenger_bank.customers.repository import CustomersRepository as CustomersRepository
from messenger_bank.customers.repository import UniquenessConflict
from messenger_bank.errors import AlreadyCustomer, CustomerNotFound
from messenger_bank.tables import ScanKey


def customer_id_for(bank_customer_id: str) -> str:
    # Unkeyed on purpose: core banking's customer reference is an internal id, not a phone, name or document.
    digest = hashlib.sha256(f"customer:{bank_customer_id}".encode()).digest()
    return "c_" + base64.b32encode(digest).decode()[:20].lower()


def referral_code_for(customer_id: str) -> str:
    # Unkeyed on purpose: a code is shared openly and stands for our own customer id, no personal data.
    digest = hashlib.sha256(f"referral:{customer_id}".encode()).digest()
    # Crockford-like alphabet without look-alikes, so a code read aloud survives.
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:8])


def _new_customer(new: NewCustomer, customers: CustomersRepository) -> Customer:
    customer_id = customer_id_for(new.bank_customer_id)
    referrer = customers.by_referral_code(new.referred_by_code) if new.referred_by_code else None
    return Customer(
        customer_id=customer_id,
        bank_customer_id=new.bank_customer_id,
        phone=new.phone,
        language=new.language,
        referral_code=referral_code_for(customer_id),
        referred_by=referrer.customer_id if referrer and referrer.customer_id != customer_id else None,
        created_at=datetime.now(UTC),
    )


def find_or_create(new: NewCustomer, *, repository: CustomersRepository | None = None) -> CustomerLink:
    customers = repository or CustomersRepository()
    existing = (
        customers.by_identity(new.identity.key)
        or customers.by_bank_id(new.bank_customer_id)
        or customers.by_phone(new.phone)
    )
    if existing is not None:
        from messenger_bank.customers.bindings import bind_chat  # see link_identity

        bind_chat(existing, new.identity, repository=customers)
        return CustomerLink(customer=existing, created=False)
    customer = _new_customer(new, customers)
    try:
        customers.create(customer, new.identity)
    except UniquenessConflict:
        # Someone created this person a moment ago (the other messenger, the other press): join them.
        winner = customers.by_bank_id(new.bank_customer_id) or customers.by_phone(new.phone)
        if winner is None:
            raise
        from messenger_bank.customers.bindings import bind_chat  # see link_identity

        bind_chat(winner, new.identity, repository=customers)
        return CustomerLink(customer=winner, created=False)
    return CustomerLink(customer=customer, created=True)


def register_newcomer(new: NewCustomer, *, repository: CustomersRepository | None = None) -> CustomerLink:
    """A new customer bound to the chat that applied; never a chat bound to someone who exists.

    The card issuance journey binds a chat without a card proof, so it must not reach an existing
    customer: a phone or bank customer we know (another chat of theirs, or someone who shared their
    contact) raises AlreadyCustomer, and that chat signs in instead. The applying chat's own customer
    (a retried step, a double press) is found again."""
    customers = repository or CustomersRepository()
    own = customers.by_identity(new.identity.key)
    if own is not None and own.bank_customer_id == new.bank_customer_id and own.phone == new.phone:
        return CustomerLink(customer=own, created=False)
    existing = own or customers.by_bank_id(new.bank_customer_id) or customers.by_phone(new.phone)
    if existing is not None:
        raise AlreadyCustomer("the phone or the person is a customer already", customer_id=existing.customer_id)
    customer = _new_customer(new, customers)
    try:
        customers.create(customer, new.identity)
    except UniquenessConflict:
        # Someone took this phone or person a moment ago (another chat of theirs): that chat won.
        raise AlreadyCustomer("the phone or the person became a customer meanwhile") from None
    return CustomerLink(customer=customer, created=True)


def phone_taken(phone: str, identity: ChannelIdentity, *, repository: CustomersRepository | None = None) -> bool:
    """True when `phone` is a customer's other than the one this chat is bound to (if any)."""
    customers = repository or CustomersRepository()
    holder = customers.by_phone(phone)
    own = customers.by_identity(identity.key)
    return holder is not None and (own is None or own.customer_id != holder.customer_id)


def customer_for_identity(
    identity: ChannelIdentity, *, repository: CustomersRepository | None = None
) -> Customer | None:
    return (repository or CustomersRepository()).by_identity(identity.key)


def record_card(card: Card, *, repository: CustomersRepository | None = None) -> None:
    (repository or CustomersRepository()).put_card(card)


def cards_of(customer_id: str, *, repository: CustomersRepository | None = None) -> list[Card]:
    return (repository or CustomersRepository()).cards(customer_id)


def customers_with_cards_pages(
    start_key: ScanKey | None = None, *, repository: CustomersRepository | None = None
) -> Iterator[tuple[list[str], ScanKey | None]]:
    """The customers with a card, a scan page at a time from `start_key` (the statement run's listing)."""
    return (repository or CustomersRepository()).card_pages(start_key)


def customer_by_id(customer_id: str, *, repository: CustomersRepository | None = None) -> Customer:
    customer = (repository or CustomersRepository()).get(customer_id)
    if customer is None:
        raise CustomerNotFound("no such customer")
    return customer


def customer_or_none(customer_id: str, *, repository: CustomersRepository | None = None) -> Customer | None:
    return (repository or CustomersRepository()).get(customer_id)


def customer_by_phone(phone: str, *, repository: CustomersRepository | None = None) -> Customer | None:
    return (repository or CustomersRepository()).by_phone(phone)


def customer_by_bank_id(bank_customer_id: str, *, repository: CustomersRepository | None = None) -> Customer | None:
    return (repository or CustomersRepository()).by_bank_id(bank_customer_id)


def customer_by_referral_code(code: str, *, repository: CustomersRepository | None = None) -> Customer | None:
    return (repository or CustomersRepository()).by_referral_code(code)


def customer_for_chat(chat_key: str, *, repository: CustomersRepository | None = None) -> Customer | None:
    """The customer bound to a private chat (`channel:chat_id`): there the messenger's user id is the
    chat id on all four platforms (Telegram's private chat id is the user's id, Viber's, WhatsApp's and
    Messenger's chats are the user)."""
    channel, _, chat_id = chat_key.partition(":")
    return (repository or CustomersRepository()).by_identity(f"{channel}#{chat_id}")


def identities_of(customer_id: str, *, repository: CustomersRepository | None = None) -> list[ChannelIdentity]:
    """The chats the customer is known in (where a notice to them goes)."""
    return (repository or CustomersRepository()).identities(customer_id)


def record_proven_phone(
    chat_key: str, phone: str, until: int, *, repository: CustomersRepository | None = None
) -> None:
    """This chat proved this phone (a code, or the platform's contact) until ``until`` (epoch seconds)."""
    (repository or CustomersRepository()).record_proven_phone(chat_key, phone, until)


def proven_phone(chat_key: str, now: float, *, repository: CustomersRepository | None = None) -> str | None:
    """The phone this chat proved and whose proof has not expired, else ``None``."""
    return (repository or CustomersRepository()).proven_phone(chat_key, now)


def record_authentication(
    customer_id: str, chat_binding: str, at: datetime, *, repository: CustomersRepository | None = None
) -> None:
    (repository or CustomersRepository()).record_authentication(customer_id, chat_binding, at)


def card_owner(card_id: str, *, repository: CustomersRepository | None = None) -> str | None:
    """The customer id our table records for this card, else ``None``."""
    return (repository or CustomersRepository()).card_owner(card_id)


def authenticated_at(
    customer_id: str, chat_binding: str, *, repository: CustomersRepository | None = None
) -> datetime | None:
    return (repository or CustomersRepository()).authenticated_at(customer_id, chat_binding)


def link_identity(
    customer_id: str, identity: ChannelIdentity, *, repository: CustomersRepository | None = None
) -> Binding | None:
    """Bind the chat to this existing customer, announced on their other chats (customers/bindings.py);
    the new binding, or None when the chat was bound to them already."""
    # Imported here: binding (the notices, the channels' models) is the path of a chat joining an existing customer
    # (the secure page's sign-in form, a second messenger met by find_or_create), one path among its functions'
    # others; the card operations and the steps that read customers never bind (issue 20).
    from messenger_bank.customers.bindings import bind_chat

    customers = repository or CustomersRepository()
    return bind_chat(customer_by_id(customer_id, repository=customers), identity, repository=customers)


def forget_proven_phone(chat_key: str, *, repository: CustomersRepository | None = None) -> None:
    (repository or CustomersRepository()).forget_proven_phone(chat_key)
