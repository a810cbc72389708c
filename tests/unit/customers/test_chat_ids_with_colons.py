"""A chat key is ``<channel>:<chat id>``: the channel ends at the first colon, and whatever follows is the chat id,
colons and all (a messenger's ids are its own strings; the bank does not forbid a colon in them)."""

from __future__ import annotations

from messenger_bank.customers.models import ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import customer_for_chat, find_or_create


def test_a_chat_whose_id_holds_a_colon_finds_its_customer(customers: CustomersRepository) -> None:
    identity = ChannelIdentity(channel="viber", user_id="u:42", chat_id="u:42")
    new = NewCustomer(bank_customer_id="BANK-1", phone="+375291112233", language="ru", identity=identity)
    customer = find_or_create(new, repository=customers).customer

    found = customer_for_chat("viber:u:42", repository=customers)

    assert found is not None and found.customer_id == customer.customer_id
    assert customer_for_chat("viber:u", repository=customers) is None
