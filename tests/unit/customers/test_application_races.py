"""Two applications of one person that cross: the other one's write lands between this one's lookups and its own
write (the other messenger, a double press). The crossing is made exact here, not left to threads: the table is the
real one (moto), and the rival's application runs at the moment this one writes."""

from __future__ import annotations

from typing import Any

import pytest

from messenger_bank.customers.models import ChannelIdentity, Customer, NewCustomer
from messenger_bank.customers.repository import CustomersRepository, UniquenessConflict
from messenger_bank.customers.service import customer_id_for, find_or_create, referral_code_for, register_newcomer
from messenger_bank.errors import AlreadyCustomer

TELEGRAM = ChannelIdentity(channel="telegram", user_id="t-1", chat_id="t-1")
VIBER = ChannelIdentity(channel="viber", user_id="v-1", chat_id="v-1")


def application(identity: ChannelIdentity, bank_id: str = "BANK-1", phone: str = "+375291112233") -> NewCustomer:
    return NewCustomer(bank_customer_id=bank_id, phone=phone, language="ru", identity=identity)


class CrossedTable(CustomersRepository):
    """The customers table, where ``rival`` (an application) is written the moment this one writes its own."""

    rival: NewCustomer | None = None

    def create(self, customer: Customer, identity: ChannelIdentity) -> None:
        rival, self.rival = self.rival, None
        if rival is not None:
            find_or_create(rival, repository=self)
        super().create(customer, identity)


@pytest.fixture
def customers(customers_table: Any) -> CrossedTable:
    return CrossedTable(customers_table)


@pytest.mark.parametrize(
    "rival",
    [
        application(VIBER),  # the same person from their other messenger
        application(VIBER, phone="+375443334455"),  # the same bank customer, a new phone
        application(VIBER, bank_id="BANK-9"),  # the same phone (the bank's other record of them)
    ],
)
def test_an_application_crossed_by_the_same_persons_other_one_joins_the_customer_it_made(
    customers: CrossedTable, rival: NewCustomer
) -> None:
    customers.rival = rival

    link = find_or_create(application(TELEGRAM), repository=customers)

    made = customers.by_identity(VIBER.key)
    assert made is not None and made.customer_id == customer_id_for(rival.bank_customer_id)
    assert (link.customer, link.created) == (made, False)
    assert {identity.channel for identity in customers.identities(made.customer_id)} == {"telegram", "viber"}


def test_a_conflict_with_no_customer_to_join_is_raised(customers: CrossedTable) -> None:
    # The referral code this applicant would get already stands for someone else (a code's hash colliding).
    code = referral_code_for(customer_id_for("BANK-1"))
    customers.table.put_item(Item={"pk": f"REFERRAL#{code}", "sk": "UNIQUE", "customer_id": "c_someone"})

    with pytest.raises(UniquenessConflict):
        find_or_create(application(TELEGRAM), repository=customers)

    assert customers.by_identity(TELEGRAM.key) is None


def test_a_newcomer_crossed_by_another_chat_taking_the_phone_is_already_a_customer(customers: CrossedTable) -> None:
    customers.rival = application(VIBER, bank_id="BANK-9")

    with pytest.raises(AlreadyCustomer):
        register_newcomer(application(TELEGRAM), repository=customers)

    assert customers.by_identity(TELEGRAM.key) is None
    assert customers.by_phone("+375291112233") == customers.by_identity(VIBER.key)


def test_a_chat_bound_to_a_customer_finds_them_whatever_bank_id_and_phone_it_applies_with(
    customers: CrossedTable,
) -> None:
    known = find_or_create(application(TELEGRAM), repository=customers).customer

    again = find_or_create(application(TELEGRAM, bank_id="BANK-9", phone="+375443334455"), repository=customers)

    assert (again.customer, again.created) == (known, False)
    assert customers.by_bank_id("BANK-9") is None and customers.by_phone("+375443334455") is None
