"""The card-issuance journey's steps with fakes of the bank: each rule (identity confirmed by the registry,
age, screening, a customer applying again, one card per customer) refuses on its own, built from a valid
application with one thing changed; the application's personal data is sealed and forgotten."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from typing import Any

import pytest
from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError

from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.errors import AlreadyCustomer, ApplicantUnderAge, CustomerSanctioned, IdentityNotConfirmed
from messenger_bank.onboarding import applications
from messenger_bank.onboarding.applications import ApplicationNotFound
from messenger_bank.onboarding.issuance import issue_virtual_card
from messenger_bank.onboarding.models import ApplicationForm, IssuanceState
from messenger_bank.onboarding.registration import register_customer
from messenger_bank.onboarding.service import (
    close_application,
    save_application,
    verify_applicant,
)
from messenger_bank.security._hs256 import chat_binding
from tests.support.pan_oracle import card_numbers_in

from .conftest import NOT_FOUND_DOCUMENT, REVOKED_DOCUMENT, TODAY, Bank, Clock, form, personal_number, years_before


def applied(application: ApplicationForm) -> IssuanceState:
    saved = save_application(application)
    return IssuanceState(application_id=saved.application_id, chat_key=application.chat_key)


def everything_in(table: Any) -> str:
    """Every item as text. Sealed (binary) values as base64: the repr of random ciphertext bytes holds runs of
    digits and dots that a card-number scan reads as a card number now and then (a flaky false alarm)."""

    def plain(value: Any) -> str:
        return base64.b64encode(value.value).decode() if isinstance(value, Binary) else repr(value)

    return json.dumps(table.scan()["Items"], default=plain, ensure_ascii=False)


# --- the sealed application --------------------------------------------------------------------------------
def test_an_application_is_kept_sealed_and_opens_as_it_was(table: Any) -> None:
    application = form()

    state = applied(application)

    stored = everything_in(table)
    for personal in ("Иванов", "MP1234567", application.personal_id, "1990-05-17", "+375291234567"):
        assert personal not in stored, personal
    assert applications.unseal(state.application_id) == application


def test_a_sealed_application_copied_to_another_id_does_not_open(table: Any) -> None:
    first, second = applied(form()), applied(form(full_name="Петров Пётр"))
    sealed = table.get_item(Key={"pk": f"APPLICATION#{first.application_id}", "sk": "APPLICATION"})["Item"]
    table.put_item(Item={**sealed, "pk": f"APPLICATION#{second.application_id}"})

    with pytest.raises(ClientError, match="InvalidCiphertext"):
        applications.unseal(second.application_id)


DAY = 24 * 3600  # an application is kept a day at most (the module doc)


@pytest.mark.parametrize(("after", "opens"), [(0, True), (1, False)], ids=["at a day", "a second later"])
def test_an_application_opens_for_a_day(table: Any, monkeypatch: pytest.MonkeyPatch, after: int, opens: bool) -> None:
    clock = Clock(1_765_000_000)
    monkeypatch.setattr(applications, "time", clock)
    state = applied(form())
    clock.at += DAY + after

    if opens:
        assert applications.unseal(state.application_id).passport_number == "MP1234567"
    else:
        with pytest.raises(ApplicationNotFound):
            applications.unseal(state.application_id)


def test_a_closed_application_is_gone(table: Any) -> None:
    state = applied(form())

    close_application(state)

    with pytest.raises(ApplicationNotFound):
        applications.unseal(state.application_id)
    assert "APPLICATION#" not in everything_in(table)


# --- verifying the applicant -----------------------------------------------------------------------------------
def test_an_adult_with_a_valid_passport_and_a_clear_screening_passes(table: Any, bank: Bank) -> None:
    application = form()

    assert verify_applicant(applied(application)).customer_id is None
    assert bank.registry.asked == [application.personal_id]
    assert bank.cerberus.screened == [application.personal_id]


def test_an_applicant_who_turns_eighteen_today_passes(table: Any, bank: Bank) -> None:
    birth = years_before(TODAY, 18)

    verify_applicant(applied(form(date_of_birth=birth, personal_id=personal_number(birth))))


def test_an_applicant_who_turns_eighteen_tomorrow_is_under_age_and_not_screened(table: Any, bank: Bank) -> None:
    birth = years_before(TODAY, 18) + timedelta(days=1)

    with pytest.raises(ApplicantUnderAge):
        verify_applicant(applied(form(date_of_birth=birth, personal_id=personal_number(birth))))
    assert bank.cerberus.screened == []


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"passport_number": NOT_FOUND_DOCUMENT}, id="a document the registry does not know"),
        pytest.param({"passport_number": REVOKED_DOCUMENT}, id="a revoked document"),
        pytest.param({"personal_id": personal_number(date(1991, 5, 17))}, id="a personal number of another birth date"),
    ],
)
def test_an_identity_the_registry_does_not_confirm_is_refused_before_screening(
    table: Any, bank: Bank, changes: dict[str, Any]
) -> None:
    with pytest.raises(IdentityNotConfirmed):
        verify_applicant(applied(form(**changes)))
    assert bank.cerberus.screened == []


def test_a_person_the_screening_refuses_is_refused(table: Any, bank: Bank) -> None:
    application = form()
    bank.cerberus.sanctioned.add(application.personal_id)

    with pytest.raises(CustomerSanctioned):
        verify_applicant(applied(application))


# --- registering, and applying again ------------------------------------------------------------------------
def test_registering_makes_a_customer_bound_to_this_chat_and_counts_the_chat_as_proven(
    table: Any, bank: Bank, customers: CustomersRepository
) -> None:
    state = register_customer(verify_applicant(applied(form())))

    assert state.customer_created is True and state.customer_id is not None
    customer = customers.get(state.customer_id)
    assert customer is not None and customer.phone == "+375291234567"
    assert [(i.channel, i.user_id) for i in customers.identities(state.customer_id)] == [("telegram", "1001")]
    assert customers.authenticated_at(state.customer_id, chat_binding("telegram:1001")) is not None
    assert customers.authenticated_at(state.customer_id, chat_binding("telegram:1002")) is None


@pytest.mark.parametrize(("consent", "marketing"), [("agree", False), ("marketing", True)])
def test_registering_records_both_consents_as_answered_dated_as_the_customer_was_made(
    table: Any, bank: Bank, customers: CustomersRepository, consent: str, marketing: bool
) -> None:
    from messenger_bank.privacy.consents import ConsentsRepository

    state = register_customer(verify_applicant(applied(form(consent=consent))))

    assert state.customer_id is not None
    customer = customers.get(state.customer_id)
    given = ConsentsRepository(table).consents(state.customer_id)
    assert customer is not None and {kind: (c.given, c.at) for kind, c in given.items()} == {
        "personal_data": (True, customer.created_at),
        "marketing": (marketing, customer.created_at),
    }


def test_a_retried_registration_finds_the_customer_it_made(table: Any, bank: Bank) -> None:
    state = verify_applicant(applied(form()))
    first = register_customer(state)

    again = register_customer(state)

    assert (again.customer_id, again.customer_created) == (first.customer_id, False)


def test_an_existing_customer_applying_again_is_told_so_from_any_messenger(table: Any, bank: Bank) -> None:
    registered = register_customer(verify_applicant(applied(form())))

    # WhatsApp proves the chat's own number, so the second application is as proven as the first.
    for chat in ({}, {"chat_key": "whatsapp:375291234567", "channel": "whatsapp", "user_id": "375291234567"}):
        with pytest.raises(AlreadyCustomer) as refused:
            verify_applicant(applied(form(**chat)))
        assert refused.value.details["customer_id"] == bank.core.customers[form().personal_id]
    assert registered.customer_id is not None


def test_another_person_applying_with_a_customers_phone_is_refused(table: Any, bank: Bank) -> None:
    register_customer(verify_applicant(applied(form())))
    other_birth = date(1985, 1, 2)
    other = form(  # everything but the phone is another person's
        chat_key="telegram:2002",
        user_id="2002",
        passport_number="MP7654321",
        date_of_birth=other_birth,
        personal_id=personal_number(other_birth),
    )

    with pytest.raises(AlreadyCustomer):
        verify_applicant(applied(other))


def test_another_person_is_another_customer(table: Any, bank: Bank) -> None:
    first = register_customer(verify_applicant(applied(form())))
    other_birth = date(1985, 1, 2)
    other = form(
        chat_key="telegram:2002",
        user_id="2002",
        phone="+375447654321",
        passport_number="MP7654321",
        date_of_birth=other_birth,
        personal_id=personal_number(other_birth),
    )

    second = register_customer(verify_applicant(applied(other)))

    assert second.customer_created is True and second.customer_id != first.customer_id


# --- the card -------------------------------------------------------------------------------------------
def test_a_card_is_issued_once_per_customer_and_kept_as_a_mask(
    table: Any, bank: Bank, customers: CustomersRepository
) -> None:
    registered = register_customer(verify_applicant(applied(form())))

    first = issue_virtual_card(registered)
    again = issue_virtual_card(registered)

    assert first.card is not None and again.card == first.card
    assert [card.card_id for card in customers.cards(registered.customer_id or "")] == [first.card.card_id]
    assert card_numbers_in(everything_in(table)) == []
    assert card_numbers_in(first.model_dump_json()) == []


def test_two_applications_of_one_person_in_flight_get_one_customer_and_bind_only_the_first_chat(
    table: Any, bank: Bank, customers: CustomersRepository
) -> None:
    # Both pass verification before either registers (two messengers, a double press).
    telegram = verify_applicant(applied(form()))
    whatsapp = verify_applicant(
        applied(form(chat_key="whatsapp:375291234567", channel="whatsapp", user_id="375291234567"))
    )
    first = issue_virtual_card(register_customer(telegram))

    # Onboarding never binds a chat to an existing customer: the second chat is sent to sign in.
    with pytest.raises(AlreadyCustomer):
        register_customer(whatsapp)

    assert len(customers.cards(first.customer_id or "")) == 1
    assert {i.channel for i in customers.identities(first.customer_id or "")} == {"telegram"}


def test_a_card_needs_a_registered_customer(table: Any, bank: Bank) -> None:
    with pytest.raises(ValueError, match="registered customer"):
        issue_virtual_card(verify_applicant(applied(form())))
    assert bank.core.issue_calls == 0
