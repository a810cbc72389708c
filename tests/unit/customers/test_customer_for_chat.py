"""A private chat (`channel:chat_id`) names its customer: the messenger's user id is the chat id there, so the chat
finds the customer bound by that user on that messenger, and no other chat does."""

from __future__ import annotations

import pytest

from messenger_bank.customers.models import ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import customer_for_chat, find_or_create


@pytest.mark.parametrize(
    ("chat_key", "found"),
    [
        pytest.param("viber:u-42", True, id="the customer's own chat"),
        pytest.param("telegram:u-42", False, id="the same id on another messenger"),
        pytest.param("viber:u-43", False, id="another chat on the same messenger"),
        pytest.param("viber#u-42", False, id="a key without the colon"),
    ],
)
def test_a_private_chat_finds_the_customer_bound_in_it(
    customers: CustomersRepository, chat_key: str, found: bool
) -> None:
    identity = ChannelIdentity(channel="viber", user_id="u-42", chat_id="u-42")
    new = NewCustomer(bank_customer_id="BANK-1", phone="+375291112233", language="ru", identity=identity)
    customer = find_or_create(new, repository=customers).customer

    bound = customer_for_chat(chat_key, repository=customers)

    assert (bound.customer_id if bound else None) == (customer.customer_id if found else None)
