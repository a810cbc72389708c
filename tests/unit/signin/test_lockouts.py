"""Lockouts that protect the customer, not the attacker: wrong cards are counted per chat (the guesser)
and, for sign-in, per phone (the target); the per-phone lock never stops the customer's bound chat."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.security.errors import CardNotProven, TooManyAttempts
from messenger_bank.signin import service
from messenger_bank.signin.models import CardEntry
from tests.unit.signin import test_signin
from tests.unit.signin.test_signin import CARD, PHONE, SAME_MASK, card_link, customers

__all__ = ["customers"]  # the fixture, shared with test_signin

OTHER_PHONE = "+375294445566"


def prove_phone(customers: CustomersRepository, chat_key: str, phone: str = PHONE) -> None:
    customers.record_proven_phone(chat_key, phone, int(datetime.now(UTC).timestamp()) + 600)


def sign_in(customers: CustomersRepository, chat: str, **changes: Any) -> Any:
    """Sign in from Viber chat `chat` (its phone proven by a code first)."""
    prove_phone(customers, f"viber:{chat}", changes.get("phone", PHONE))
    return test_signin.sign_in(customers, user_id=chat, chat_key=f"viber:{chat}", **changes)


def confirm(customers: CustomersRepository, customer_id: str, chat_key: str, number: str = CARD) -> Any:
    return service.prove_card_again(
        card_link(customer_id, chat_key),
        CardEntry(number=SecretStr(number), expiry="07/29"),
        cerberus=test_signin.FakeCerberus(),
        customers=customers,
    )


def lock_the_phone_from(customers: CustomersRepository, chats: list[str]) -> None:
    """Three wrong cards for PHONE (SECURITY_MAX_ATTEMPTS is 3 here), one or more per chat."""
    for n in range(3):
        with pytest.raises((CardNotProven, TooManyAttempts)):
            sign_in(customers, chats[n % len(chats)], number=SAME_MASK)


def test_the_bound_customer_confirms_the_card_while_the_phone_is_locked_by_others(
    customers: CustomersRepository,
) -> None:
    customer_id = sign_in(customers, "owner").customer_id
    lock_the_phone_from(customers, ["thief-1", "thief-2", "thief-3"])
    with pytest.raises(TooManyAttempts):
        sign_in(customers, "thief-4")  # the phone is locked for sign-in from unbound chats

    confirmed = confirm(customers, customer_id, "viber:owner")

    assert confirmed.customer_id == customer_id


def test_the_per_phone_lock_stops_sign_in_from_a_fresh_chat_even_with_the_right_card(
    customers: CustomersRepository,
) -> None:
    lock_the_phone_from(customers, ["thief-1", "thief-2", "thief-3"])  # one failure per chat: no chat locked

    with pytest.raises(TooManyAttempts):
        sign_in(customers, "thief-4")

    assert customers.by_identity("viber#thief-4") is None


def test_one_chat_is_locked_by_its_own_failures_whatever_phone_it_names(customers: CustomersRepository) -> None:
    for phone in (PHONE, OTHER_PHONE, PHONE):
        with pytest.raises((CardNotProven, TooManyAttempts)):
            sign_in(customers, "guesser", phone=phone, number=SAME_MASK)

    with pytest.raises(TooManyAttempts):
        sign_in(customers, "guesser", phone=OTHER_PHONE)  # two failures for this phone, but the chat is spent
    signed = sign_in(customers, "owner")  # the phone itself had only two failures: its owner gets in

    assert signed.customer_id


def test_two_failures_below_the_limit_leave_the_phone_open(customers: CustomersRepository) -> None:
    for chat in ("thief-1", "thief-2"):
        with pytest.raises(CardNotProven) as refused:
            sign_in(customers, chat, number=SAME_MASK)

    assert refused.value.details["attempts_left"] == 1
    assert sign_in(customers, "owner").customer_id


def test_the_bound_chats_own_failures_lock_only_that_chat(customers: CustomersRepository) -> None:
    customer_id = sign_in(customers, "owner").customer_id
    for _ in range(2):
        with pytest.raises(CardNotProven):
            confirm(customers, customer_id, "viber:owner", number=SAME_MASK)
    with pytest.raises(TooManyAttempts):
        confirm(customers, customer_id, "viber:owner", number=SAME_MASK)
    with pytest.raises(TooManyAttempts):
        confirm(customers, customer_id, "viber:owner")  # right, but this chat is locked

    assert sign_in(customers, "second-phone").customer_id == customer_id  # the phone was not counted
