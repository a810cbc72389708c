"""The sign-in zone: a chat is bound to a bank customer only after the phone and a card are proven.

    sign_in        phone proven in this chat (the messenger's own contact, or a one-time code that
                   ``verify_otp`` recorded for this chat) → a one-time secure-page link for this chat;
                   the chat is kept under a random attempt id until the link is long dead
    pending_sign_in / prove_sign_in_card / complete_sign_in   (the secure page, ``/secure/signin``)
                   the card's full number and expiry, typed on the page (the chat shows masks only),
                   checked by Cerberus for the customer with that phone → the chat is bound
    open_session   a bound chat (the conversation asks on each new session, and after the page) → a
                   fresh session token whose ``auth_time`` is when this chat last proved a card or the
                   bank password
    start_reauthentication / prove_card_again / the secure page's ``confirm`` and ``card`` pages
                   a sensitive operation refused with ``ReauthenticationRequired`` is retried after
                   the bank password or, for a customer who has no password yet, the card's full
                   number, both on the secure page, never in the chat

A newcomer's chat is bound by the card issuance journey itself (phone proven, identity confirmed by
the Passport registry, the card issued to this very chat); an existing customer arriving on another
messenger signs in here. Wrong card answers lock for the window of ``SECURITY_LOCK_MINUTES`` after
``SECURITY_MAX_ATTEMPTS``, counted per chat (the guesser) and, for sign-in, per phone (the target): a
sign-in needs the phone proven first, so only someone holding the phone can spend its attempts, and
the per-phone lock never stops the customer's own bound chats (``prove_card_again`` counts per chat).
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal

from messenger_bank.banking import service as bank
from messenger_bank.cards.models import CreateSecureLinkRequest
from messenger_bank.cards.settings import CardsSettings, cards_settings
from messenger_bank.customers import service as customers_service
from messenger_bank.customers.models import Card, ChannelIdentity, Customer, NewCustomer
from messenger_bank.customers.service import (
    CustomersRepository,
    customer_for_identity,
    find_or_create,
)
from messenger_bank.observability import logger, metrics
from messenger_bank.security import _hs256, links
from messenger_bank.security.errors import (
    CardNotProven,
    LinkInvalid,
    PhoneNotProven,
    SessionInvalid,
    TooManyAttempts,
)
from messenger_bank.security.session_tokens import issue_session
from messenger_bank.signin.models import (
    CardEntry,
    OpenedSession,
    OpenSessionRequest,
    PendingSignIn,
    ReauthenticationMethod,
    SignedIn,
    SignInLink,
    SignInRequest,
    StartReauthenticationRequest,
)
from messenger_bank.signin.phone_proof import contact_proof_possible
from messenger_bank.signin.proofs import record_proof as record_proof

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    from messenger_bank.banking.service import CerberusClient, CoreClient

ATTEMPTS_PURPOSE = "sign_in"
# The secure page's path for sign-in (securepage.service.LINK_PURPOSES) and the security table's record
# of a sign-in between the chat and that page (beside links.py's "link#" and "attempts#").
SIGN_IN_PAGE: Final = "signin"
PENDING_PREFIX: Final = "signin#"
NEVER = datetime.fromtimestamp(0, UTC)


def _phone_subject(phone: str) -> str:
    # The target of a guess: a guesser can open many chats, but not many phones of one customer.
    return links.phone_subject(phone)


def _chat_subject(chat_binding: str) -> str:
    # The guesser: one chat cannot go on guessing, whichever phones it names.
    return links.chat_subject(chat_binding)


# A counter's subject and the one it had before keyed digests, read while its counters may be live.
Subject = tuple[str, str | None]


def _identity(channel: str, user_id: str, chat_key: str) -> ChannelIdentity:
    if not chat_key.startswith(f"{channel}:"):
        raise SessionInvalid("the chat is not on this messenger")
    return ChannelIdentity.model_validate(
        {"channel": channel, "user_id": user_id, "chat_id": chat_key.removeprefix(f"{channel}:")}
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
    phone: str,
    card: CardEntry,
    cerberus: CerberusClient,
    *,
    chat_binding: str,
    chat_key: str | None = None,
    count_phone: bool,
    config: links.SecuritySettings | None = None,
    dynamodb: DynamoDBClient | None = None,
) -> str:
    """The bank customer id that holds the card; counts a wrong answer and locks after too many.

    Failures are counted per chat always, and per phone (`count_phone`) only for sign-in from a chat
    not bound to anyone: the customer's own bound chats are never locked by someone else's guesses."""
    subjects = _subjects(chat_binding, phone, count_phone=count_phone, chat_key=chat_key)
    for subject, before in subjects:
        links.ensure_not_locked(subject, ATTEMPTS_PURPOSE, config=config, dynamodb=dynamodb, previous_subject=before)
    proof = cerberus.prove_card(phone, card.number, card.expiry)
    if proof.proven and proof.customer_id:
        for subject, before in subjects:
            links.reset_attempts(subject, ATTEMPTS_PURPOSE, config=config, dynamodb=dynamodb, previous_subject=before)
        return proof.customer_id
    statuses = [
        links.record_failed_attempt(
            subject, ATTEMPTS_PURPOSE, config=config, dynamodb=dynamodb, previous_subject=before
        )
        for subject, before in subjects
    ]
    remaining = min(status.remaining for status in statuses)
    metrics.add_metric(name="SignInRefused", unit="Count", value=1)
    logger.info("card not proven", extra={"attempts_left": remaining, "per_phone": count_phone})
    locked = [status.locked_until for status in statuses if status.locked_until is not None]
    if locked:
        raise TooManyAttempts("too many wrong card answers", locked_until=max(locked))
    raise CardNotProven("no card of this customer matches", attempts_left=remaining)


def _subjects(chat_binding: str, phone: str, *, count_phone: bool, chat_key: str | None = None) -> list[Subject]:
    # A confirm-card link names its chat by binding only (no chat key), so that chat's old counter is not
    # read: it is a bound chat proving its own card again, and the window is an hour.
    chat = (_chat_subject(chat_binding), links.previous_chat_subject(chat_key) if chat_key else None)
    return [chat] + ([(_phone_subject(phone), links.previous_phone_subject(phone))] if count_phone else [])


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


# --- sign-in: the phone in the chat, the card on the secure page ------------------------------------------
def _pending_key(attempt_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"id": {"S": PENDING_PREFIX + attempt_id}}


def sign_in(
    request: SignInRequest,
    *,
    customers: CustomersRepository | None = None,
    settings: CardsSettings | None = None,
    key: bytes | None = None,
    dynamodb: DynamoDBClient | None = None,
    now: datetime | None = None,
) -> SignInLink:
    """The phone is proven in this chat: a one-time link to the secure page, where the card is proven.

    Refused before any link is made when the phone is not proven here (``PhoneNotProven``) or the chat
    or the phone is locked by wrong cards (``TooManyAttempts``). What the page will bind (the chat, the
    proven phone) is kept server-side under a random attempt id, the link's subject; it lives as long as
    the link. The link is bound to this chat like every secure-page link (initData on Telegram)."""
    customers = customers or CustomersRepository()
    now = now or datetime.now(UTC)
    _identity(request.channel, request.user_id, request.chat_key)
    _phone_proven(request, customers)
    for subject, before in _subjects(
        _hs256.chat_binding(request.chat_key), request.phone, count_phone=True, chat_key=request.chat_key
    ):
        links.ensure_not_locked(subject, ATTEMPTS_PURPOSE, dynamodb=dynamodb, previous_subject=before)
    settings = settings or cards_settings()
    ttl = timedelta(minutes=settings.secure_link_minutes)
    pending = PendingSignIn(
        attempt_id=secrets.token_urlsafe(18),
        channel=request.channel,
        user_id=request.user_id,
        chat_key=request.chat_key,
        phone=request.phone,
        language=request.language,
    )
    (dynamodb or links.dynamodb_client()).put_item(
        TableName=links.settings().table_name,
        Item={
            **_pending_key(pending.attempt_id),
            "attempt": {"S": pending.model_dump_json()},
            "expiration": {"N": str(int((now + ttl + links.USED_LINK_RETENTION).timestamp()))},
        },
    )
    page = settings.page_url().rstrip("/") + "/" + SIGN_IN_PAGE
    url = links.make_link(page, pending.attempt_id, request.chat_key, "sign_in", ttl=ttl, key=key, now=now)
    logger.info("sign-in link made", extra={"channel": request.channel})
    return SignInLink(url=url, expires_in=int(ttl.total_seconds()))


def pending_sign_in(
    link: links.LinkClaims,
    *,
    table_name: str | None = None,
    dynamodb: DynamoDBClient | None = None,
    now: float | None = None,
) -> PendingSignIn:
    """The sign-in a ``sign_in`` link was made for; ``LinkInvalid`` for any other link or a forgotten one."""
    if link.purpose != "sign_in":
        raise LinkInvalid("not a sign-in link")
    found = (dynamodb or links.dynamodb_client()).get_item(
        TableName=table_name or links.settings().table_name, Key=_pending_key(link.customer_id), ConsistentRead=True
    )
    item = found.get("Item")
    current = time.time() if now is None else now
    if item is None or int(item["expiration"]["N"]) <= current:
        raise LinkInvalid("no such sign-in")
    pending = PendingSignIn.model_validate_json(item["attempt"]["S"])
    # The attempt id is random, but the record must also be the one made for the link's chat.
    if pending.attempt_id != link.customer_id or not link.for_chat(pending.chat_key):
        raise LinkInvalid("the sign-in belongs to another chat")
    return pending


def prove_sign_in_card(
    pending: PendingSignIn,
    card: CardEntry,
    *,
    cerberus: CerberusClient | None = None,
    config: links.SecuritySettings | None = None,
    dynamodb: DynamoDBClient | None = None,
) -> str:
    """The bank customer who holds `card` and the pending sign-in's phone; ``CardNotProven`` (attempts
    left) or ``TooManyAttempts``, counted for the chat and for the phone."""
    return _prove_card(
        pending.phone,
        card,
        cerberus or bank.cerberus_client(),
        chat_binding=_hs256.chat_binding(pending.chat_key),
        chat_key=pending.chat_key,
        count_phone=True,
        config=config,
        dynamodb=dynamodb,
    )


def complete_sign_in(
    pending: PendingSignIn,
    bank_customer_id: str,
    *,
    core: CoreClient | None = None,
    customers: CustomersRepository | None = None,
    now: datetime | None = None,
) -> SignedIn:
    """Bind the pending sign-in's chat to the customer whose card was proven; a fresh ``auth_time``."""
    customers = customers or CustomersRepository()
    now = now or datetime.now(UTC)
    identity = _identity(pending.channel, pending.user_id, pending.chat_key)
    customer = customers_service.customer_by_bank_id(bank_customer_id, repository=customers)
    if customer is None:
        customer = find_or_create(
            NewCustomer(
                bank_customer_id=bank_customer_id, phone=pending.phone, language=pending.language, identity=identity
            ),
            repository=customers,
        ).customer
    else:
        customers_service.link_identity(customer.customer_id, identity, repository=customers)
    _known_cards(customer, core or bank.core_client(), customers, now)
    customers_service.record_authentication(
        customer.customer_id, _hs256.chat_binding(pending.chat_key), now, repository=customers
    )
    customers_service.forget_proven_phone(pending.chat_key, repository=customers)  # one proof, one binding
    metrics.add_metric(name="SignedIn", unit="Count", value=1)
    logger.info("chat bound", extra={"customer_id": customer.customer_id, "channel": pending.channel})
    token = issue_session(customer.customer_id, pending.chat_key, auth_time=now, now=now)
    return SignedIn(customer_id=customer.customer_id, session=token)


def start_reauthentication(
    request: StartReauthenticationRequest,
    *,
    core: CoreClient | None = None,
    customers: CustomersRepository | None = None,
) -> ReauthenticationMethod:
    """The secure page: the bank password when the customer has one, else the card's full number."""
    from messenger_bank.cards.secure_links import create_secure_link

    customers = customers or CustomersRepository()
    core = core or bank.core_client()
    customer = customers_service.customer_or_none(request.customer_id, repository=customers)
    if customer is None:
        raise SessionInvalid("no such customer")
    method: Literal["password", "card"] = "password" if core.password_set(customer.bank_customer_id) else "card"
    link = create_secure_link(
        CreateSecureLinkRequest(
            customer_id=request.customer_id,
            purpose="confirm" if method == "password" else "card",
            channel=request.channel,
            chat_key=request.chat_key,
        ),
        customers=customers,  # a confirm link names no card: core banking has nothing to check
    )
    return ReauthenticationMethod(method=method, url=link.url)


def prove_card_again(
    link: links.LinkClaims,
    card: CardEntry,
    *,
    cerberus: CerberusClient | None = None,
    customers: CustomersRepository | None = None,
    config: links.SecuritySettings | None = None,
    dynamodb: DynamoDBClient | None = None,
) -> Customer:
    """The customer of a ``confirm_card`` link, who has just proven their card on the secure page (no
    bank password yet). Wrong answers count for the link's chat only; the page then ``record_proof``s."""
    if link.purpose != "confirm_card":
        raise LinkInvalid("not a card confirmation link")
    customer = customers_service.customer_or_none(link.customer_id, repository=customers)
    if customer is None:
        raise SessionInvalid("no such customer")
    holder = _prove_card(
        customer.phone,
        card,
        cerberus or bank.cerberus_client(),
        chat_binding=link.chat_binding,
        count_phone=False,  # the customer's own bound chat: never locked by guesses elsewhere
        config=config,
        dynamodb=dynamodb,
    )
    if holder != customer.bank_customer_id:
        raise CardNotProven("the card is another customer's")
    return customer
