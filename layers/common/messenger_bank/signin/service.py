"""The sign-in zone: a chat is bound to a bank customer only after the phone and a card are proven.

    sign_in        phone proven in this chat (the messenger's own contact, or a one-time code that
                   ``verify_otp`` recorded for this chat) + last four digits and expiry of a card of the
                   customer with that phone, checked by Cerberus → the chat is bound, a session given
    open_session   a bound chat (the conversation asks on each new session) → a fresh session token
                   whose ``auth_time`` is when this chat last proved a card or the bank password
    start_reauthentication / confirm_card / the secure page's ``confirm`` purpose
                   a sensitive operation refused with ``ReauthenticationRequired`` is retried after
                   the bank password (on the secure page, never in the chat) or, for a customer who
                   has no password yet, the card again

A newcomer's chat is bound by the card issuance journey itself (phone proven, identity confirmed by
the Passport registry, the card issued to this very chat); an existing customer arriving on another
messenger signs in here. Wrong card answers lock for the window of ``SECURITY_LOCK_MINUTES`` after
``SECURITY_MAX_ATTEMPTS``, counted per chat (the guesser) and, for sign-in, per phone (the target): a
sign-in needs the phone proven first, so only someone holding the phone can spend its attempts, and
the per-phone lock never stops the customer's own bound chats (``confirm_card`` counts per chat only).
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

from messenger_bank.banking import service as bank
from messenger_bank.banking.service import CerberusClient, CoreClient
from messenger_bank.cards.models import CreateSecureLinkRequest
from messenger_bank.customers import service as customers_service
from messenger_bank.customers.models import Card, ChannelIdentity, Customer, NewCustomer
from messenger_bank.customers.service import (
    CustomersRepository,
    customer_for_identity,
    find_or_create,
    record_authentication,
)
from messenger_bank.observability import logger, metrics
from messenger_bank.security import _hs256, links
from messenger_bank.security.errors import (
    CardNotProven,
    PhoneNotProven,
    SessionInvalid,
    TooManyAttempts,
)
from messenger_bank.security.session_tokens import issue_session
from messenger_bank.signin.models import (
    ConfirmCardRequest,
    Confirmed,
    OpenedSession,
    OpenSessionRequest,
    ReauthenticationMethod,
    SignedIn,
    SignInRequest,
    StartReauthenticationRequest,
)
from messenger_bank.signin.phone_proof import contact_proof_possible

ATTEMPTS_PURPOSE = "sign_in"
NEVER = datetime.fromtimestamp(0, UTC)


def _phone_subject(phone: str) -> str:
    # The target of a guess: a guesser can open many chats, but not many phones of one customer.
    return "phone-" + hashlib.sha256(phone.encode()).hexdigest()[:32]


def _chat_subject(chat_key: str) -> str:
    # The guesser: one chat cannot go on guessing, whichever phones it names.
    return "chat-" + _hs256.chat_binding(chat_key)


def _identity(channel: str, user_id: str, chat_key: str) -> ChannelIdentity:
    if not chat_key.startswith(f"{channel}:"):
        raise SessionInvalid("the chat is not on this messenger")
    return ChannelIdentity.model_validate(
        {"channel": channel, "user_id": user_id, "chat_id": chat_key.partition(":")[2] or user_id}
    )


def open_session(request: OpenSessionRequest, *, customers: CustomersRepository | None = None) -> OpenedSession:
    """The customer bound to this messenger identity and a session for this chat; nobody if unbound."""
    customers = customers or CustomersRepository()
    identity = _identity(request.channel, request.user_id, request.chat_key)
    customer = customer_for_identity(identity, repository=customers)
    if customer is None:
        return OpenedSession(customer_id=None)
    proved = customers_service.authenticated_at(
        customer.customer_id, _hs256.chat_binding(request.chat_key), repository=customers
    )
    token = issue_session(customer.customer_id, request.chat_key, auth_time=proved or NEVER)
    return OpenedSession(customer_id=customer.customer_id, session=token)


def _phone_proven(request: SignInRequest, customers: CustomersRepository) -> None:
    if request.phone_proof == "code":
        proven = customers_service.proven_phone(request.chat_key, time.time(), repository=customers)
        if proven != request.phone:
            raise PhoneNotProven("no one-time code was checked for this phone in this chat")
    elif not contact_proof_possible(request.channel, request.chat_key, request.phone):
        # A Viber or Messenger contact proves nothing, and a WhatsApp chat only its own number.
        raise PhoneNotProven("this messenger's contact does not prove this phone")


def _prove_card(
    phone: str, last_four: str, expiry: str, cerberus: CerberusClient, *, chat_key: str, count_phone: bool
) -> str:
    """The bank customer id that holds the card; counts a wrong answer and locks after too many.

    Failures are counted per chat always, and per phone (`count_phone`) only for sign-in from a chat
    not bound to anyone: the customer's own bound chats are never locked by someone else's guesses."""
    subjects = [_chat_subject(chat_key)] + ([_phone_subject(phone)] if count_phone else [])
    for subject in subjects:
        links.ensure_not_locked(subject, ATTEMPTS_PURPOSE)
    proof = cerberus.prove_card(phone, last_four, expiry)
    if proof.proven and proof.customer_id:
        for subject in subjects:
            links.reset_attempts(subject, ATTEMPTS_PURPOSE)
        return proof.customer_id
    statuses = [links.record_failed_attempt(subject, ATTEMPTS_PURPOSE) for subject in subjects]
    remaining = min(status.remaining for status in statuses)
    metrics.add_metric(name="SignInRefused", unit="Count", value=1)
    logger.info("card not proven", extra={"attempts_left": remaining, "per_phone": count_phone})
    locked = [status.locked_until for status in statuses if status.locked_until is not None]
    if locked:
        raise TooManyAttempts("too many wrong card answers", locked_until=max(locked))
    raise CardNotProven("no card of this customer matches", attempts_left=remaining)


def _known_cards(customer: Customer, core: CoreClient, customers: CustomersRepository, now: datetime) -> None:
    """A customer who came from a branch has cards we have not seen: we keep their masks, never numbers."""
    ours = {card.card_id for card in customers_service.cards_of(customer.customer_id, repository=customers)}
    for card in core.cards(customer.bank_customer_id):
        if card.card_id not in ours:
            customers_service.record_card(
                Card(
                    card_id=card.card_id,
                    customer_id=customer.customer_id,
                    mask=card.masked_pan,
                    kind=card.form,
                    scheme=card.product.split("-")[0],
                    expiry=card.expiry,
                    status=card.status,
                    issued_at=now,
                ),
                repository=customers,
            )


def sign_in(
    request: SignInRequest,
    *,
    cerberus: CerberusClient | None = None,
    core: CoreClient | None = None,
    customers: CustomersRepository | None = None,
    now: datetime | None = None,
) -> SignedIn:
    """Bind this chat to the customer who proved phone and card; a session with a fresh ``auth_time``."""
    customers = customers or CustomersRepository()
    now = now or datetime.now(UTC)
    identity = _identity(request.channel, request.user_id, request.chat_key)
    _phone_proven(request, customers)
    bank_customer_id = _prove_card(
        request.phone,
        request.last_four,
        request.expiry,
        cerberus or bank.cerberus_client(),
        chat_key=request.chat_key,
        count_phone=True,
    )
    customer = customers_service.customer_by_bank_id(bank_customer_id, repository=customers)
    if customer is None:
        customer = find_or_create(
            NewCustomer(
                bank_customer_id=bank_customer_id, phone=request.phone, language=request.language, identity=identity
            ),
            repository=customers,
        ).customer
    else:
        customers_service.link_identity(customer.customer_id, identity, repository=customers)
    _known_cards(customer, core or bank.core_client(), customers, now)
    customers_service.record_authentication(
        customer.customer_id, _hs256.chat_binding(request.chat_key), now, repository=customers
    )
    customers_service.forget_proven_phone(request.chat_key, repository=customers)  # one proof, one binding
    metrics.add_metric(name="SignedIn", unit="Count", value=1)
    logger.info("chat bound", extra={"customer_id": customer.customer_id, "channel": request.channel})
    token = issue_session(customer.customer_id, request.chat_key, auth_time=now, now=now)
    return SignedIn(customer_id=customer.customer_id, session=token)


def start_reauthentication(
    request: StartReauthenticationRequest,
    *,
    core: CoreClient | None = None,
    customers: CustomersRepository | None = None,
) -> ReauthenticationMethod:
    """The bank password on the secure page when the customer has one; else the card, in the chat."""
    from messenger_bank.cards.service import create_secure_link

    customers = customers or CustomersRepository()
    core = core or bank.core_client()
    customer = customers_service.customer_or_none(request.customer_id, repository=customers)
    if customer is None:
        raise SessionInvalid("no such customer")
    if not core.password_set(customer.bank_customer_id):
        return ReauthenticationMethod(method="card")
    link = create_secure_link(
        CreateSecureLinkRequest(
            customer_id=request.customer_id, purpose="confirm", channel=request.channel, chat_key=request.chat_key
        ),
        customers=customers,  # a confirm link names no card: core banking has nothing to check
    )
    return ReauthenticationMethod(method="password", url=link.url)


def confirm_card(
    request: ConfirmCardRequest,
    *,
    cerberus: CerberusClient | None = None,
    customers: CustomersRepository | None = None,
    now: datetime | None = None,
) -> Confirmed:
    """The customer proves their card again in this chat (no bank password yet)."""
    customers = customers or CustomersRepository()
    customer = customers_service.customer_or_none(request.customer_id, repository=customers)
    if customer is None:
        raise SessionInvalid("no such customer")
    holder = _prove_card(
        customer.phone,
        request.last_four,
        request.expiry,
        cerberus or bank.cerberus_client(),
        chat_key=request.chat_key,
        count_phone=False,  # the customer's own bound chat: never locked by guesses elsewhere
    )
    if holder != customer.bank_customer_id:
        raise CardNotProven("the card is another customer's")
    record_proof(customer.customer_id, _hs256.chat_binding(request.chat_key), now=now, customers=customers)
    metrics.add_metric(name="Reauthenticated", unit="Count", value=1)
    return Confirmed(confirmed=True)


def record_proof(
    customer_id: str, chat_binding: str, *, now: datetime | None = None, customers: CustomersRepository | None = None
) -> None:
    """This chat proved the card or the bank password now: the next session carries a fresh auth_time."""
    record_authentication(customer_id, chat_binding, now or datetime.now(UTC), repository=customers)
