"""A customer's id and referral code are derived, never stored apart from the customer: a retried step or a second
messenger finds the customer again by deriving the same id, and a code shared last year must still name its owner.
So they are the same from release to release: the values here were recorded once and must never change."""

from __future__ import annotations

import pytest

from messenger_bank.customers.service import customer_id_for, referral_code_for


@pytest.mark.parametrize(
    ("bank_customer_id", "customer_id", "referral_code"),
    [
        ("BANK-1", "c_nu4qcohthwlc7b5sj6xc", "UJXF93PM"),
        ("4242", "c_kzaqnazk25uk6xhz3ur2", "P2RY9YWW"),
    ],
)
def test_a_customers_id_and_referral_code_stay_what_they_were(
    bank_customer_id: str, customer_id: str, referral_code: str
) -> None:
    assert customer_id_for(bank_customer_id) == customer_id
    assert referral_code_for(customer_id) == referral_code
