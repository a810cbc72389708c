"""A newcomer who is a customer already is refused naming that customer (``AlreadyCustomer.customer_id``, what the
chat is then told to sign in as), whichever of chat, bank customer or phone gave them away; and a newcomer's friend's
code is kept."""

from __future__ import annotations

import pytest

from messenger_bank.customers.models import ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import register_newcomer
from messenger_bank.errors import AlreadyCustomer

KNOWN_CHAT = ChannelIdentity(channel="telegram", user_id="t-1", chat_id="t-1")
NEW_CHAT = ChannelIdentity(channel="viber", user_id="v-9", chat_id="v-9")


def application(identity: ChannelIdentity, bank_id: str, phone: str, code: str | None = None) -> NewCustomer:
    return NewCustomer(bank_customer_id=bank_id, phone=phone, language="ru", identity=identity, referred_by_code=code)


@pytest.mark.parametrize(
    "again",
    [
        pytest.param(application(KNOWN_CHAT, "BANK-2", "+375442223344"), id="from the customer's own chat"),
        pytest.param(application(NEW_CHAT, "BANK-1", "+375442223344"), id="the same bank customer"),
        pytest.param(application(NEW_CHAT, "BANK-2", "+375291112233"), id="the same phone"),
    ],
)
def test_a_newcomer_who_is_a_customer_is_refused_naming_them(
    customers: CustomersRepository, again: NewCustomer
) -> None:
    known = register_newcomer(application(KNOWN_CHAT, "BANK-1", "+375291112233"), repository=customers).customer

    with pytest.raises(AlreadyCustomer) as refused:
        register_newcomer(again, repository=customers)

    assert refused.value.customer_id == known.customer_id
    assert refused.value.details["customer_id"] == known.customer_id


def test_a_newcomer_with_a_friends_code_is_referred_by_the_friend(customers: CustomersRepository) -> None:
    friend = register_newcomer(application(KNOWN_CHAT, "BANK-1", "+375291112233"), repository=customers).customer

    link = register_newcomer(
        application(NEW_CHAT, "BANK-2", "+375442223344", code=friend.referral_code), repository=customers
    )

    assert link.created and link.customer.referred_by == friend.customer_id
    assert customers.get(link.customer.customer_id) == link.customer
