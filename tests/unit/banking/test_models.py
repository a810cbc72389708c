"""Models at the boundary: IBAN and card checks, personal data kept out of reprs, secrets out of dumps."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import SecretStr, ValidationError

from messenger_bank.banking.models import Identity, iban_is_valid
from messenger_bank.banking.models.core import CreditRequest, Requisites
from messenger_bank.cardnumbers import is_card_number


def test_iban_mod_97() -> None:
    assert iban_is_valid("BY13NBRB3600900000002Z00AB00")
    assert not iban_is_valid("BY14NBRB3600900000002Z00AB00")


def test_requisites_refuse_a_wrong_iban() -> None:
    with pytest.raises(ValidationError):
        Requisites.model_validate(
            {
                "account_id": "a",
                "iban": "BY14NBRB3600900000002Z00AB00",
                "currency": "BYN",
                "holder_name": "X",
                "bank_name": "B",
                "bic": "MBNKBY2X",
                "bank_taxpayer_number": "1",
            }
        )


def test_luhn() -> None:
    assert is_card_number("4111111111111111") and not is_card_number("4111111111111112")


def test_personal_data_stays_out_of_the_repr() -> None:
    person = Identity(
        first_name="Anna",
        last_name="Ivanova",
        birth_date=date(1990, 5, 17),
        document_number="MP1234567",
        personal_number="4170590A001PB5",
    )
    assert "MP1234567" not in repr(person) and "Ivanova" not in repr(person)


def test_a_card_number_never_appears_in_a_dump() -> None:
    request = CreditRequest(
        pan=SecretStr("4111111111111111"), debit_id="op_1", amount=1, currency="BYN", idempotency_key="credit-0001"
    )
    assert "4111111111111111" not in request.model_dump_json() and "4111111111111111" not in repr(request)


def test_a_credit_needs_exactly_one_target_and_one_source() -> None:
    with pytest.raises(ValidationError):
        CreditRequest(account_id="a", card_id="c", source="bonus", amount=1, currency="BYN", idempotency_key="k-000001")
    with pytest.raises(ValidationError):
        CreditRequest(account_id="a", amount=1, currency="BYN", idempotency_key="k-000001")


def test_our_requests_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        CreditRequest.model_validate(
            {
                "account_id": "a",
                "source": "bonus",
                "amount": 1,
                "currency": "BYN",
                "idempotency_key": "k-000001",
                "surprise": 1,
            }
        )
