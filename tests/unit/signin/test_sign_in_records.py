"""What sign-in records besides the binding: the moment it is dated, the metrics it counts, the customer it binds
when the chat was bound to someone else, and the counters it keeps where its caller (the secure page) says. Each
case is the valid sign-in with one thing changed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import jwt
import pytest
from pydantic import SecretStr

from messenger_bank.cards.settings import CardsSettings
from messenger_bank.customers.models import ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import find_or_create
from messenger_bank.security import _hs256, links
from messenger_bank.security.errors import CardNotProven, LinkInvalid, TooManyAttempts
from messenger_bank.security.session_tokens import verify_session
from messenger_bank.signin import service
from messenger_bank.signin.models import CardEntry, PendingSignIn
from tests.support.aws import create_table
from tests.unit.signin.test_signin import (
    CARD,
    CHAT,
    LINK_KEY,
    PAGE,
    PHONE,
    SAME_MASK,
    SESSION_KEY,
    FakeCerberus,
    FakeCore,
    card_link,
    customers,
    request,
)

__all__ = ["customers"]  # the fixture, shared with test_signin

Metrics = Callable[[], dict[str, tuple[str, float]]]
RIGHT = CardEntry(number=SecretStr(CARD), expiry="07/29")
WRONG = CardEntry(number=SecretStr(SAME_MASK), expiry="07/29")  # the same mask and expiry, another number


def pending(customers: CustomersRepository) -> PendingSignIn:
    """The sign-in the page reads once the chat's phone is proven and its link made."""
    now = datetime.now(UTC)
    customers.record_proven_phone(CHAT, PHONE, int(now.timestamp()) + 600)
    made = service.sign_in(request(), customers=customers, settings=PAGE, key=LINK_KEY, now=now)
    return service.pending_sign_in(links.inspect_link(links.token_of(made.url), key=LINK_KEY))


def complete(customers: CustomersRepository, **kw: Any) -> Any:
    return service.complete_sign_in(pending(customers), "BANK-7", core=FakeCore(), customers=customers, **kw)  # type: ignore[arg-type]


# --- when -------------------------------------------------------------------------------------------------
def test_a_sign_in_is_dated_at_the_moment_it_is_given(customers: CustomersRepository) -> None:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)

    signed = complete(customers, now=at)

    claims = verify_session(signed.session, chat_key=CHAT, key=SESSION_KEY)
    assert (claims.issued_at, claims.auth_time) == (at, at)
    assert customers.authenticated_at(signed.customer_id, _hs256.chat_binding(CHAT)) == at
    assert [card.issued_at for card in customers.cards(signed.customer_id)] == [at]


def test_a_sign_in_given_no_moment_dates_the_cards_it_learns_in_utc(customers: CustomersRepository) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)

    signed = complete(customers)

    [card] = customers.cards(signed.customer_id)
    assert card.issued_at.utcoffset() == timedelta(0)
    assert before <= card.issued_at <= datetime.now(UTC)


# --- which customer -----------------------------------------------------------------------------------------
def test_a_chat_bound_to_someone_else_is_signed_in_as_the_cards_holder(customers: CustomersRepository) -> None:
    def customer(bank_customer_id: str, phone: str, user_id: str) -> str:
        identity = ChannelIdentity(channel="viber", user_id=user_id, chat_id=user_id)
        new = NewCustomer(bank_customer_id=bank_customer_id, phone=phone, language="ru", identity=identity)
        return find_or_create(new, repository=customers).customer.customer_id

    holder = customer("BANK-7", PHONE, "u-43")  # BANK-7 signed in from another chat before
    customer("BANK-1", "+375290000001", "u-42")  # this chat was someone else's

    signed = complete(customers)

    assert signed.customer_id == holder
    assert verify_session(signed.session, chat_key=CHAT, key=SESSION_KEY).customer_id == holder


# --- metrics -----------------------------------------------------------------------------------------------
def test_a_completed_sign_in_counts_one_signed_in(customers: CustomersRepository, emitted_metrics: Metrics) -> None:
    complete(customers)

    assert emitted_metrics() == {"SignedIn": ("Count", 1.0)}


def test_a_wrong_card_counts_one_refused_sign_in(customers: CustomersRepository, emitted_metrics: Metrics) -> None:
    with pytest.raises(CardNotProven):
        service.prove_sign_in_card(pending(customers), WRONG, cerberus=FakeCerberus())  # type: ignore[arg-type]

    assert emitted_metrics() == {"SignInRefused": ("Count", 1.0)}


def test_a_right_card_counts_no_refusal(customers: CustomersRepository, emitted_metrics: Metrics) -> None:
    assert service.prove_sign_in_card(pending(customers), RIGHT, cerberus=FakeCerberus()) == "BANK-7"  # type: ignore[arg-type]

    assert emitted_metrics() == {}


# --- the counters the caller names --------------------------------------------------------------------------
ELSEWHERE = "eu-west-1"  # moto keeps each region's tables apart: only the client handed in sees this one


@pytest.fixture
def counters(customers: CustomersRepository) -> dict[str, Any]:
    """A security table of the caller's own, in another region, that locks after two wrong cards."""
    client = boto3.client("dynamodb", region_name=ELSEWHERE)
    name = create_table(client, "SecurityTable", name="page-counters")
    return {"config": links.SecuritySettings(table_name=name, max_attempts=2, lock_minutes=30), "dynamodb": client}


def test_sign_in_counts_wrong_cards_in_the_table_and_limit_it_is_given(
    customers: CustomersRepository, counters: dict[str, Any]
) -> None:
    kept = pending(customers)

    def prove(card: CardEntry) -> str:
        return service.prove_sign_in_card(kept, card, cerberus=FakeCerberus(), **counters)  # type: ignore[arg-type]

    with pytest.raises(CardNotProven) as first:
        prove(WRONG)
    assert first.value.details["attempts_left"] == 1
    assert prove(RIGHT) == "BANK-7"  # and the count starts again
    with pytest.raises(CardNotProven) as again:
        prove(WRONG)
    assert again.value.details["attempts_left"] == 1
    with pytest.raises(TooManyAttempts):
        prove(WRONG)
    with pytest.raises(TooManyAttempts):
        prove(RIGHT)  # locked in the given table
    assert links.attempts_status("chat-" + _hs256.chat_binding(CHAT), service.ATTEMPTS_PURPOSE).failures == 0


def test_the_card_again_counts_wrong_cards_in_the_table_and_limit_it_is_given(
    customers: CustomersRepository, counters: dict[str, Any]
) -> None:
    customer_id = complete(customers).customer_id

    def prove(card: CardEntry) -> str:
        cerberus: Any = FakeCerberus()
        found = service.prove_card_again(
            card_link(customer_id), card, cerberus=cerberus, customers=customers, **counters
        )
        return found.customer_id

    with pytest.raises(CardNotProven) as first:
        prove(WRONG)
    assert first.value.details["attempts_left"] == 1
    assert prove(RIGHT) == customer_id
    with pytest.raises(CardNotProven):
        prove(WRONG)
    with pytest.raises(TooManyAttempts):
        prove(WRONG)
    with pytest.raises(TooManyAttempts):
        prove(RIGHT)


def test_a_sign_in_locked_on_chat_and_phone_at_once_waits_for_the_later_lock(customers: CustomersRepository) -> None:
    kept = pending(customers)
    chat, phone = "chat-" + _hs256.chat_binding(CHAT), service._phone_subject(PHONE)
    for _ in range(2):  # the phone's window began twenty minutes ago (guesses from another chat), the chat's now
        links.record_failed_attempt(phone, service.ATTEMPTS_PURPOSE, now=time.time() - 20 * 60)
        links.record_failed_attempt(chat, service.ATTEMPTS_PURPOSE)

    with pytest.raises(TooManyAttempts) as locked:
        service.prove_sign_in_card(kept, WRONG, cerberus=FakeCerberus())  # type: ignore[arg-type]

    chat_lock = links.attempts_status(chat, service.ATTEMPTS_PURPOSE).locked_until
    phone_lock = links.attempts_status(phone, service.ATTEMPTS_PURPOSE).locked_until
    assert chat_lock is not None and phone_lock is not None and phone_lock < chat_lock
    assert locked.value.details["locked_until"] == chat_lock


# --- where the link points, and the table the kept sign-in is in --------------------------------------------
def test_a_page_address_ending_in_a_slash_gives_one_slash_before_the_page(customers: CustomersRepository) -> None:
    customers.record_proven_phone(CHAT, PHONE, int(time.time()) + 600)
    page = CardsSettings(secure_page_url="https://api.example.com/secure/")

    made = service.sign_in(request(), customers=customers, settings=page, key=LINK_KEY)

    assert made.url.startswith("https://api.example.com/secure/signin?t=")


def test_a_page_address_ending_in_a_letter_keeps_it(customers: CustomersRepository) -> None:
    customers.record_proven_phone(CHAT, PHONE, int(time.time()) + 600)
    page = CardsSettings(secure_page_url="https://pages.example.com/BOX")

    made = service.sign_in(request(), customers=customers, settings=page, key=LINK_KEY)

    assert made.url.startswith("https://pages.example.com/BOX/signin?t=")


def test_the_link_is_dated_at_the_moment_given_and_lives_the_settings_minutes(customers: CustomersRepository) -> None:
    then = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    customers.record_proven_phone(CHAT, PHONE, int(time.time()) + 600)
    page = CardsSettings(secure_page_url="https://api.example.com/secure", secure_link_minutes=3)

    made = service.sign_in(request(), customers=customers, settings=page, key=LINK_KEY, now=then)

    claims = jwt.decode(links.token_of(made.url), options={"verify_signature": False})  # read as it is written
    assert (claims["iat"], claims["exp"]) == (int(then.timestamp()), int(then.timestamp()) + 180)
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", claims["sub"])  # the attempt id: 18 random bytes, url-safe


@pytest.fixture
def table_elsewhere(customers: CustomersRepository) -> Any:
    """The security table under its deployed name, but in another region: only the client handed in sees it."""
    client = boto3.client("dynamodb", region_name=ELSEWHERE)
    create_table(client, "SecurityTable", name=links.settings().table_name)
    return client


def test_sign_in_keeps_the_attempt_and_reads_the_locks_with_the_client_it_is_given(
    customers: CustomersRepository, table_elsewhere: Any
) -> None:
    customers.record_proven_phone(CHAT, PHONE, int(time.time()) + 600)

    made = service.sign_in(request(), customers=customers, settings=PAGE, key=LINK_KEY, dynamodb=table_elsewhere)
    claims = links.inspect_link(links.token_of(made.url), key=LINK_KEY)
    chat = "chat-" + _hs256.chat_binding(CHAT)
    for _ in range(3):
        links.record_failed_attempt(chat, service.ATTEMPTS_PURPOSE, dynamodb=table_elsewhere)

    assert service.pending_sign_in(claims, dynamodb=table_elsewhere).chat_key == CHAT
    with pytest.raises(LinkInvalid):
        service.pending_sign_in(claims)  # not in the default client's table
    with pytest.raises(TooManyAttempts):
        service.sign_in(request(), customers=customers, settings=PAGE, key=LINK_KEY, dynamodb=table_elsewhere)
    assert service.sign_in(request(), customers=customers, settings=PAGE, key=LINK_KEY).expires_in == 300


def test_the_kept_sign_in_is_read_from_the_table_it_is_given(
    customers: CustomersRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers.record_proven_phone(CHAT, PHONE, int(time.time()) + 600)
    table = links.settings().table_name
    made = service.sign_in(request(), customers=customers, settings=PAGE, key=LINK_KEY)
    claims = links.inspect_link(links.token_of(made.url), key=LINK_KEY)
    monkeypatch.setenv("SECURITY_TABLE", "another-table")  # the environment now names another table
    links.settings.cache_clear()

    assert service.pending_sign_in(claims, table_name=table).phone == PHONE


class RecordingClient:
    """A table client noting each call's arguments (and making it)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Any:
        method = getattr(self._client, operation)

        def call(**kwargs: Any) -> Any:
            self.calls.append((operation, kwargs))
            return method(**kwargs)

        return call


def test_the_kept_sign_in_is_read_consistently(customers: CustomersRepository) -> None:
    # The page is opened a moment after the chat wrote the sign-in: an eventually consistent read may miss it.
    customers.record_proven_phone(CHAT, PHONE, int(time.time()) + 600)
    made = service.sign_in(request(), customers=customers, settings=PAGE, key=LINK_KEY)
    client = RecordingClient(boto3.client("dynamodb"))

    service.pending_sign_in(links.inspect_link(links.token_of(made.url), key=LINK_KEY), dynamodb=client)  # type: ignore[arg-type]

    assert [(op, kwargs.get("ConsistentRead")) for op, kwargs in client.calls] == [("get_item", True)]
