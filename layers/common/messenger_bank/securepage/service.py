"""The secure page: ``GET /secure/{pin|password|confirm}?t=<token>`` shows the form, ``POST``
sets the PIN or the password, or (``confirm``) checks the bank password before a sensitive operation.

GET only *inspects* the link (messengers fetch links for previews: that must not use it up). POST:

1. reads the form (``MalformedRequest`` → 400 / 413 / 415);
2. with Telegram Web App ``initData`` in the form, verifies it with the bot token and requires the
   link to be bound to that chat (``links.inspect_link(chat_key=...)``); a link issued to a Telegram
   chat without ``initData``, or with bad initData → 403 (the link alone is not a bearer token). The
   card a PIN is set for is the one signed into the link: a ``card`` parameter naming another → 403;
3. refuses a locked customer (``links.ensure_not_locked``) → 429, before the bank is asked;
4. checks the entries (two equal 4-digit PINs, not a trivial one; or a password of 8-64 characters with a
   letter and a digit); a bad entry counts as a wrong attempt (``links.record_failed_attempt``) → 422
   with the attempts left, or 429 once locked; the link is not used up by a typo;
5. redeems the link (once: a replay, a second tab or a double submit → 410);
6. for a PIN, checks the card belongs to the link's customer, in our table and at the bank
   (``cards.service.owned_card``); another customer's card → 403 and a wrong attempt;
7. encrypts for the bank (the PIN as the RSA-OAEP block core banking takes, ``banking.service.encrypt_pin``;
   the password as a JWE, ``security.jwe.encrypt_for_bank``) and sends it; a bank failure → 502;
8. for ``confirm``, asks core banking whether the password is right (a JWE too); right: the link's chat
   has proven it now (``signin.service.record_proof``), the bot goes on when the customer presses
   Continue; wrong: the link is used up, a wrong attempt counted, the bot sends a new link;
9. forgets the wrong attempts and answers a plain success page.

The card pages (``signin``: an unbound chat whose phone the bot has proven; ``card``: a bound customer
without a bank password, asked again before a sensitive operation) take the card's full number and
expiry instead (``_submit_card``): Cerberus proves the card (the sign-in zone counts wrong answers per
chat, and per phone for sign-in, and locks: 422 with the attempts left, then 429; the link is not used
up by a wrong card, the counters limit the guesses); a proven card redeems the link, then binds the chat
(sign-in) or records the proof (``card``); the customer presses Continue in the chat.

The card details page (``details``: a link made by the sensitive ``create_secure_link``, naming its card):
GET shows one button; POST (the chat's Web App initData for a Telegram link, as above) needs the chat's
proof of the card or bank password to be still fresh (``SENSITIVE_AUTH_MINUTES``; else 403, the link not
used), redeems the link (410 on a second open), checks the card is the customer's (403) and active (409),
and answers the full number, expiry and CVV from core banking (``CoreClient.card_details``) in a page that
takes them off itself after a minute (``Cache-Control: no-store``).

The PIN, password, card number or CVV lives in this function's memory for one call: it is never logged (log lines name
the customer, the purpose and the outcome), stored, or echoed back into a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

from pydantic import SecretStr, ValidationError

from messenger_bank.banking.models.core import EncryptedPassword
from messenger_bank.errors import CardBlocked, DomainError
from messenger_bank.http import HttpAnswer, HttpRequest
from messenger_bank.observability import logger, metrics
from messenger_bank.securepage.html import (
    CARD_PAGES,
    HEADERS,
    Language,
    Purpose,
    card_details_page,
    form_page,
    message_page,
)
from messenger_bank.securepage.models import MalformedRequest, PageRequest
from messenger_bank.security import links
from messenger_bank.security.errors import (
    CardNotProven,
    InitDataInvalid,
    LinkAlreadyUsed,
    LinkExpired,
    LinkInvalid,
    NotYourCard,
    ReauthenticationRequired,
    SessionInvalid,
    TooManyAttempts,
    WrongPassword,
)
from messenger_bank.signin.models import CardEntry

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from messenger_bank.banking.models.core import PinKey, SetPinRequest
    from messenger_bank.customers.service import CustomersRepository

LINK_PURPOSES: Final[dict[str, links.LinkPurpose]] = {
    "pin": "change_pin",
    "password": "change_password",
    "confirm": "confirm_password",
    "signin": "sign_in",
    "card": "confirm_card",
    "details": "show_card_details",
}
_PAGES: Final[dict[str, Purpose]] = {
    "pin": "pin",
    "password": "password",
    "confirm": "confirm",
    "signin": "signin",
    "card": "card",
    "details": "details",
}
_PIN: Final = re.compile(r"^[0-9]{4}$")
# Guessed first by anyone holding the card: all one digit, runs up or down, and a few favourites.
_WEAK_PINS: Final = frozenset(
    {d * 4 for d in "0123456789"}
    | {"0123", "1234", "2345", "3456", "4567", "5678", "6789"}
    | {"9876", "8765", "7654", "6543", "5432", "4321", "3210", "1212", "1004", "2000", "6969"}
)
_PASSWORD_MIN, _PASSWORD_MAX = 8, 64


class PinDesk(Protocol):
    """Core banking's side of a PIN change (``banking.clients.core.CoreClient`` by default)."""

    def pin_key(self) -> PinKey: ...
    def set_pin(self, request: SetPinRequest) -> None: ...


@dataclass
class Collaborators:
    """What the page talks to; tests hand in fakes. ``None`` means the deployed default."""

    core: Any = None  # CoreClient: PIN key and PIN, password set and check, a customer's cards, card details
    cerberus: Any = None  # CerberusClient: card proofs
    customers: CustomersRepository | None = None
    dynamodb: DynamoDBClient | None = None
    table_name: str | None = None
    link_key: bytes | None = None
    config: links.SecuritySettings | None = None
    bot_token: Callable[[], str] | None = None
    now: float | None = None

    def core_bank(self) -> Any:
        if self.core is None:
            from messenger_bank.banking import service as bank

            self.core = bank.core_client()
        return self.core

    def cerberus_client(self) -> Any:
        if self.cerberus is None:
            from messenger_bank.banking import service as bank

            self.cerberus = bank.cerberus_client()
        return self.cerberus

    def customers_repository(self) -> CustomersRepository:
        if self.customers is None:
            from messenger_bank.customers.service import CustomersRepository

            self.customers = CustomersRepository()
        return self.customers

    def telegram_bot_token(self) -> str:
        if self.bot_token is not None:
            return self.bot_token()
        from messenger_bank.secrets import secret

        return secret("TELEGRAM_BOT_TOKEN")


def _answer(status: int, html: str) -> HttpAnswer:
    return HttpAnswer(status=status, body=html, headers=dict(HEADERS))


def _refusal(status: int, kind: str, language: Language, *, purpose: str, outcome: str) -> HttpAnswer:
    logger.info("secure page refused", extra={"page": purpose, "outcome": outcome, "status": status})
    metrics.add_metric(name="SecurePageRefused", unit="Count", value=1)
    return _answer(status, message_page(kind, language))


def handle(request: HttpRequest, deps: Collaborators | None = None) -> HttpAnswer:
    """The page's whole job for one request."""
    deps = deps or Collaborators()
    try:
        page = PageRequest.from_http(request)
    except MalformedRequest as malformed:
        return _refusal(malformed.status, "bad_request", "ru", purpose="?", outcome=malformed.reason)
    return serve(page, deps)


def serve(request: PageRequest, deps: Collaborators) -> HttpAnswer:
    language = request.language
    if request.purpose not in LINK_PURPOSES:
        return _refusal(404, "invalid", language, purpose="?", outcome="unknown page")
    purpose = _PAGES[request.purpose]
    if not request.token:
        return _refusal(400, "invalid", language, purpose=purpose, outcome="no token")
    try:
        if request.method == "GET":
            _ensure_unused(_inspect(request, purpose, deps, chat_key=None), deps)
            return _answer(200, form_page(purpose, language))
        return _submit(request, purpose, deps)
    except LinkAlreadyUsed:
        return _refusal(410, "used", language, purpose=purpose, outcome="used link")
    except LinkExpired:
        return _refusal(410, "expired", language, purpose=purpose, outcome="expired link")
    except (LinkInvalid, InitDataInvalid, SessionInvalid) as refused:
        # SessionInvalid: the card page's customer is gone (a link outliving its customer).
        return _refusal(403, "invalid", language, purpose=purpose, outcome=type(refused).__name__)
    except TooManyAttempts:
        return _refusal(429, "locked", language, purpose=purpose, outcome="locked")
    except NotYourCard:
        return _refusal(403, "not_yours", language, purpose=purpose, outcome="not the customer's card")
    except ReauthenticationRequired:
        return _refusal(403, "reauth", language, purpose=purpose, outcome="no recent proof")
    except CardBlocked:
        return _refusal(409, "card_blocked", language, purpose=purpose, outcome="card blocked")
    except DomainError as failed:  # the bank refused or failed (BankSystemUnavailable, CardBlocked, ...)
        logger.warning("secure page: the bank failed", extra={"page": purpose, "error": type(failed).__name__})
        return _answer(502, message_page("bank_down", language))


def _inspect(request: PageRequest, purpose: Purpose, deps: Collaborators, *, chat_key: str | None) -> links.LinkClaims:
    assert request.token is not None
    link = links.inspect_link(request.token, key=deps.link_key, chat_key=chat_key)
    if link.purpose != LINK_PURPOSES[purpose]:
        raise LinkInvalid("the link is for another page")
    if link.purpose in links.CARD_LINKS and not link.card_id:
        raise LinkInvalid("a PIN or card details link names its card")
    if request.card_id and request.card_id != link.card_id:
        raise LinkInvalid("the link is for another card")
    return link


def _ensure_unused(link: links.LinkClaims, deps: Collaborators) -> None:
    """Refuse a used link already on GET (a read: showing the page never uses the link up)."""
    found = (deps.dynamodb or links.dynamodb_client()).get_item(
        TableName=deps.table_name or links.settings().table_name,
        Key={"id": {"S": f"link#{link.jti}"}},  # the record links.redeem writes
        ConsistentRead=True,
    )
    if "Item" in found:
        raise LinkAlreadyUsed("the link was used before")


def _entry_problem(purpose: Purpose, form: dict[str, str]) -> str | None:
    """The TEXTS key of what is wrong with the entries, or None."""
    first, second = form.get(purpose, ""), form.get(f"{purpose}_confirm", "")
    if purpose == "confirm":
        return None if 1 <= len(first) <= _PASSWORD_MAX else "wrong_password"
    if purpose == "pin":
        if not _PIN.match(first):
            return "bad_pin"
        if first != second:
            return "mismatch"
        return "weak_pin" if first in _WEAK_PINS else None
    if not (_PASSWORD_MIN <= len(first) <= _PASSWORD_MAX) or first != first.strip():
        return "bad_password"
    if not any(ch.isalpha() for ch in first) or not any(ch.isdigit() for ch in first):
        return "bad_password"
    return "mismatch" if first != second else None


def _submit(request: PageRequest, purpose: Purpose, deps: Collaborators) -> HttpAnswer:
    assert request.token is not None
    language = request.language
    chat_key = None
    init_data = request.form.get("init_data", "")
    if init_data:
        chat_key = links.verify_init_data(init_data, deps.telegram_bot_token(), now=deps.now).chat_key
    link = _inspect(request, purpose, deps, chat_key=chat_key)
    if link.needs_init_data and chat_key is None:
        raise InitDataInvalid("a Telegram link is used from its chat's Web App only")
    if purpose in CARD_PAGES:
        return _submit_card(request, purpose, link, chat_key, deps)
    if purpose == "details":
        return _show_card_details(request, link, chat_key, deps)
    link_purpose = LINK_PURPOSES[purpose]
    links.ensure_not_locked(link.customer_id, link_purpose, config=deps.config, dynamodb=deps.dynamodb, now=deps.now)

    problem = _entry_problem(purpose, request.form)
    if problem is not None:
        status = _count_wrong_attempt(link.customer_id, link_purpose, deps)
        logger.info("secure page: entry refused", extra={"page": purpose, "customer_id": link.customer_id})
        metrics.add_metric(name="SecurePageWrongEntry", unit="Count", value=1)
        if status.locked:
            raise TooManyAttempts("too many wrong attempts", locked_until=status.locked_until)
        return _answer(422, form_page(purpose, language, error=problem, remaining=status.remaining))

    link = links.redeem(
        request.token, key=deps.link_key, chat_key=chat_key, table_name=deps.table_name, dynamodb=deps.dynamodb
    )
    try:
        if purpose == "pin":
            assert link.card_id is not None  # _inspect refuses a PIN link without its card
            _set_pin(link.customer_id, link.card_id, SecretStr(request.form["pin"]), deps)
        elif purpose == "confirm":
            _confirm_password(link, SecretStr(request.form["confirm"]), deps)
        else:
            _set_password(link.customer_id, SecretStr(request.form["password"]), deps)
    except NotYourCard:
        _count_wrong_attempt(link.customer_id, link_purpose, deps)
        raise
    except WrongPassword:
        # The link is used up: a wrong password costs an attempt and the bot sends a new link.
        status = _count_wrong_attempt(link.customer_id, link_purpose, deps)
        metrics.add_metric(name="SecurePageWrongEntry", unit="Count", value=1)
        if status.locked:
            raise TooManyAttempts("too many wrong attempts", locked_until=status.locked_until) from None
        return _answer(422, message_page("wrong_password", language))
    links.reset_attempts(link.customer_id, link_purpose, config=deps.config, dynamodb=deps.dynamodb)
    logger.info("secure page: changed", extra={"page": purpose, "customer_id": link.customer_id})
    metrics.add_metric(name="SecurePageChanged", unit="Count", value=1)
    return _answer(200, message_page(f"{purpose}_done", language, ok=True))


def _submit_card(
    request: PageRequest, purpose: Purpose, link: links.LinkClaims, chat_key: str | None, deps: Collaborators
) -> HttpAnswer:
    """Sign-in or reauthentication by the card's full number and expiry (see the module's docstring)."""
    from messenger_bank.signin import service as signin

    assert request.token is not None
    language = request.language
    try:
        card = CardEntry(number=request.form.get("card_number", ""), expiry=request.form.get("card_expiry", ""))
    except ValidationError:
        # Not a card number or not MM/YY: a typo, never sent to Cerberus, so not a guess.
        return _answer(422, form_page(purpose, language, error="bad_card"))
    counters: dict[str, Any] = {"config": deps.config, "dynamodb": deps.dynamodb}
    try:
        if purpose == "signin":
            pending = signin.pending_sign_in(link, table_name=deps.table_name, dynamodb=deps.dynamodb, now=deps.now)
            holder = signin.prove_sign_in_card(pending, card, cerberus=deps.cerberus_client(), **counters)
        else:
            customer = signin.prove_card_again(
                link, card, cerberus=deps.cerberus_client(), customers=deps.customers_repository(), **counters
            )
    except CardNotProven as wrong:
        metrics.add_metric(name="SecurePageWrongEntry", unit="Count", value=1)
        remaining = wrong.details.get("attempts_left")
        return _answer(422, form_page(purpose, language, error="wrong_card", remaining=remaining))
    link = links.redeem(
        request.token, key=deps.link_key, chat_key=chat_key, table_name=deps.table_name, dynamodb=deps.dynamodb
    )
    if purpose == "signin":
        signed = signin.complete_sign_in(pending, holder, core=deps.core_bank(), customers=deps.customers_repository())
        logger.info("secure page: signed in", extra={"page": purpose, "customer_id": signed.customer_id})
    else:
        signin.record_proof(customer.customer_id, link.chat_binding, customers=deps.customers_repository())
        metrics.add_metric(name="Reauthenticated", unit="Count", value=1)
        logger.info("secure page: card confirmed", extra={"page": purpose, "customer_id": customer.customer_id})
    return _answer(200, message_page(f"{purpose}_done", language, ok=True))


def _show_card_details(
    request: PageRequest, link: links.LinkClaims, chat_key: str | None, deps: Collaborators
) -> HttpAnswer:
    """The card's full number, expiry and CVV, once, to the chat that proved the card or the bank password
    within the sensitive window (the link was made by a sensitive operation; the proof is checked again here,
    as the link may be opened minutes later). The values go from core banking into this one page: never
    logged, stored, or put anywhere else."""
    from messenger_bank.cards.service import owned_card
    from messenger_bank.customers.service import authenticated_at
    from messenger_bank.security.session_tokens import sensitive_max_age

    assert request.token is not None
    now = datetime.fromtimestamp(deps.now, UTC) if deps.now is not None else datetime.now(UTC)
    proved = authenticated_at(link.customer_id, link.chat_binding, repository=deps.customers_repository())
    if proved is None or now - proved > sensitive_max_age():
        raise ReauthenticationRequired("card details are shown right after a proof of the card or password")
    link = links.redeem(
        request.token, key=deps.link_key, chat_key=chat_key, table_name=deps.table_name, dynamodb=deps.dynamodb
    )
    assert link.card_id is not None  # _inspect refuses a card details link without its card
    core = deps.core_bank()
    _customer, card = owned_card(link.customer_id, link.card_id, core=core, customers=deps.customers_repository())
    if card.status != "active":
        raise CardBlocked("a blocked card's details are not shown")
    details = core.card_details(card.card_id)
    logger.info("secure page: card details shown", extra={"page": "details", "customer_id": link.customer_id})
    metrics.add_metric(name="CardDetailsShown", unit="Count", value=1)
    page = card_details_page(
        details.pan.get_secret_value(), details.expiry, details.cvv.get_secret_value(), request.language
    )
    return _answer(200, page)


def _count_wrong_attempt(customer_id: str, purpose: links.LinkPurpose, deps: Collaborators) -> links.AttemptsStatus:
    return links.record_failed_attempt(customer_id, purpose, config=deps.config, dynamodb=deps.dynamodb, now=deps.now)


def _set_pin(customer_id: str, card_id: str, pin: SecretStr, deps: Collaborators) -> None:
    from messenger_bank.banking import service as bank
    from messenger_bank.cards.service import owned_card

    core = deps.core_bank()
    _customer, card = owned_card(customer_id, card_id, core=core, customers=deps.customers_repository())
    bank.set_pin(bank.encrypt_pin(card.card_id, pin, bank.pin_key(core)), core)


def _for_bank(password: SecretStr, deps: Collaborators) -> EncryptedPassword:
    """The password as a JWE for the bank's encryption key (the one it also takes PIN blocks with)."""
    from cryptography.hazmat.primitives import serialization
    from jose import jwk as jose_jwk

    from messenger_bank.banking import service as bank
    from messenger_bank.security.jwe import KEY_ALGORITHM, encrypt_for_bank

    key = bank.pin_key(deps.core_bank())
    public = serialization.load_pem_public_key(key.public_key_pem.encode())
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    bank_jwk = {**jose_jwk.construct(pem, algorithm=KEY_ALGORITHM).to_dict(), "kid": key.key_id}
    return EncryptedPassword(
        encrypted_password=SecretStr(encrypt_for_bank(password.get_secret_value(), bank_jwk)), key_id=key.key_id
    )


def _set_password(customer_id: str, password: SecretStr, deps: Collaborators) -> None:
    from messenger_bank.customers.service import customer_by_id

    customer = customer_by_id(customer_id, repository=deps.customers_repository())
    deps.core_bank().set_password(customer.bank_customer_id, _for_bank(password, deps))


def _confirm_password(link: links.LinkClaims, password: SecretStr, deps: Collaborators) -> None:
    """The bank checks the password; on yes, the link's chat has proven it now (sign-in zone)."""
    from messenger_bank.customers.service import customer_by_id
    from messenger_bank.signin.service import record_proof

    customer = customer_by_id(link.customer_id, repository=deps.customers_repository())
    if not deps.core_bank().check_password(customer.bank_customer_id, _for_bank(password, deps)).valid:
        raise WrongPassword("the bank password is wrong")
    record_proof(link.customer_id, link.chat_binding, customers=deps.customers_repository())
    metrics.add_metric(name="Reauthenticated", unit="Count", value=1)
