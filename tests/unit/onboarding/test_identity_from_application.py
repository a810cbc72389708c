"""The person the bank is asked about (registry, screening, core banking) is read from the application as the
applicant typed it: surname first, then the first name, then whatever follows as the middle name; a one-word name
is both surname and first name (the bank needs both); the phone and the passport's issue date go with them."""

from __future__ import annotations

from datetime import date

import pytest

from messenger_bank.onboarding.service import identity_of

from .conftest import form


@pytest.mark.parametrize(
    ("full_name", "last", "first", "middle"),
    [
        ("Иванов Иван Иванович", "Иванов", "Иван", "Иванович"),
        ("Иванов Иван", "Иванов", "Иван", None),
        ("Ivanov", "Ivanov", "Ivanov", None),
        ("Гарсиа Мария Луиза Фернандес", "Гарсиа", "Мария", "Луиза Фернандес"),
    ],
    ids=["surname-first-middle", "no-middle-name", "one-word-name", "two-word-middle-name"],
)
def test_the_names_are_read_surname_first(full_name: str, last: str, first: str, middle: str | None) -> None:
    person = identity_of(form(full_name=full_name))

    assert (person.last_name, person.first_name, person.middle_name) == (last, first, middle)


def test_the_applicants_phone_goes_with_their_identity() -> None:
    assert identity_of(form(phone="+375447654321")).phone == "+375447654321"


def test_the_passports_issue_date_goes_with_their_identity() -> None:
    assert identity_of(form(issue_date=date(2020, 6, 1))).issue_date == date(2020, 6, 1)
