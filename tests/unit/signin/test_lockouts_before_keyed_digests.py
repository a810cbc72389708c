"""A lockout counted before the counters were named by keyed digests still locks after the deploy: sign-in
reads the old, unkeyed subject of the chat and of the phone while its window lasts (README, "Lockouts and code
limits"). The old subjects are computed here with hashlib, as the code before the change did."""

from __future__ import annotations

import hashlib

import pytest
from pydantic import SecretStr

from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.security import links
from messenger_bank.security.errors import TooManyAttempts
from messenger_bank.signin import service
from messenger_bank.signin.models import CardEntry
from tests.unit.signin.test_sign_in_link import CHAT, PHONE, customers, now_is_when_the_case_runs, prove_phone, start
from tests.unit.signin.test_signin import CARD, SAME_MASK, FakeCerberus

# The fixtures: the tables, and the moment each case runs (the links are made "now").
__all__ = ["customers", "now_is_when_the_case_runs"]


def lock_before_the_change(subject: str, failures: int = 3) -> None:
    """Wrong cards as the code before keyed digests counted them, under the plain hash."""
    for _ in range(failures):
        links.record_failed_attempt(subject, service.ATTEMPTS_PURPOSE)


@pytest.mark.parametrize(
    "old_subject",
    [
        pytest.param("phone-" + hashlib.sha256(PHONE.encode()).hexdigest()[:32], id="the phone"),
        pytest.param("chat-" + hashlib.sha256(CHAT.encode()).hexdigest()[:32], id="the chat"),
    ],
)
def test_no_link_while_locked_under_the_unkeyed_subject(customers: CustomersRepository, old_subject: str) -> None:
    prove_phone(customers)
    lock_before_the_change(old_subject)

    with pytest.raises(TooManyAttempts):
        start(customers)


def test_a_lock_under_another_phones_unkeyed_subject_does_not_stop_this_one(customers: CustomersRepository) -> None:
    prove_phone(customers)
    lock_before_the_change("phone-" + hashlib.sha256(b"+375291111111").hexdigest()[:32])

    assert start(customers).purpose == "sign_in"


@pytest.mark.parametrize(
    "old_subject",
    [
        pytest.param("phone-" + hashlib.sha256(PHONE.encode()).hexdigest()[:32], id="the phone"),
        pytest.param("chat-" + hashlib.sha256(CHAT.encode()).hexdigest()[:32], id="the chat"),
    ],
)
def test_two_wrong_cards_before_the_change_and_one_after_lock(customers: CustomersRepository, old_subject: str) -> None:
    prove_phone(customers)
    pending = service.pending_sign_in(start(customers))
    lock_before_the_change(old_subject, failures=2)

    with pytest.raises(TooManyAttempts):
        service.prove_sign_in_card(
            pending,
            CardEntry(number=SecretStr(SAME_MASK), expiry="07/29"),
            cerberus=FakeCerberus(),  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    "old_subject",
    [
        pytest.param("phone-" + hashlib.sha256(PHONE.encode()).hexdigest()[:32], id="the phone"),
        pytest.param("chat-" + hashlib.sha256(CHAT.encode()).hexdigest()[:32], id="the chat"),
    ],
)
def test_a_lock_under_the_unkeyed_subject_after_the_link_stops_even_the_right_card(
    customers: CustomersRepository, old_subject: str
) -> None:
    prove_phone(customers)
    pending = service.pending_sign_in(start(customers))
    lock_before_the_change(old_subject)
    cerberus = FakeCerberus()

    with pytest.raises(TooManyAttempts):
        service.prove_sign_in_card(pending, CardEntry(number=SecretStr(CARD), expiry="07/29"), cerberus=cerberus)  # type: ignore[arg-type]
    assert cerberus.asked == []  # refused before the bank is asked


@pytest.mark.parametrize(
    "old_subject",
    [
        pytest.param("phone-" + hashlib.sha256(PHONE.encode()).hexdigest()[:32], id="the phone"),
        pytest.param("chat-" + hashlib.sha256(CHAT.encode()).hexdigest()[:32], id="the chat"),
    ],
)
def test_the_right_card_clears_the_wrong_ones_counted_under_the_unkeyed_subject(
    customers: CustomersRepository, old_subject: str
) -> None:
    prove_phone(customers)
    pending = service.pending_sign_in(start(customers))
    lock_before_the_change(old_subject, failures=2)

    service.prove_sign_in_card(pending, CardEntry(number=SecretStr(CARD), expiry="07/29"), cerberus=FakeCerberus())  # type: ignore[arg-type]

    assert links.attempts_status(old_subject, service.ATTEMPTS_PURPOSE).failures == 0
