"""A code Cerberus no longer knows (its own five minutes ran out before our ten, or it was used elsewhere) is refused
as locked: the customer is asked to get a new code, not to type this one again."""

from __future__ import annotations

from typing import Any

from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.onboarding import phone
from messenger_bank.onboarding.models import CheckCodeRequest, CodeChecked, SendCodeRequest

from .conftest import CODE, Bank

CHAT = "telegram:1001"
PHONE = "+375291234567"


def test_a_code_cerberus_no_longer_knows_is_refused_as_locked(
    table: Any, bank: Bank, customers: CustomersRepository
) -> None:
    phone.send_code(SendCodeRequest(phone=PHONE, chat_key=CHAT))
    bank.cerberus.codes.clear()  # Cerberus answers "no such code", without attempts left

    assert phone.check_code(CheckCodeRequest(phone=PHONE, code=CODE, chat_key=CHAT)) == CodeChecked(
        valid=False, locked=True
    )
    assert customers.proven_phone(CHAT, 0) is None
