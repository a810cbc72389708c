"""What the page refuses in the entries before the bank sees them, each limit on both sides, and a form that lacks
its field (a hand-made POST): each case is a valid entry with one thing changed."""

from __future__ import annotations

import pytest

from messenger_bank.securepage.html import Purpose
from messenger_bank.securepage.service import Collaborators, _entry_problem, handle
from tests.unit.securepage.conftest import event, link_token

GOOD_PASSWORD = "Sup3rsecret"  # 11 characters, letters and digits


def twice(purpose: str, value: str) -> dict[str, str]:
    return {purpose: value, f"{purpose}_confirm": value}


@pytest.mark.parametrize(
    ("purpose", "form", "problem"),
    [
        ("pin", twice("pin", "4829"), None),
        ("pin", twice("pin", "482"), "bad_pin"),
        ("pin", twice("pin", "48290"), "bad_pin"),
        ("pin", {"pin": "4829", "pin_confirm": "4828"}, "mismatch"),
        ("pin", twice("pin", "1234"), "weak_pin"),
        ("pin", {"pin_confirm": "4829"}, "bad_pin"),
        ("password", twice("password", "abcdefg1"), None),  # 8: the shortest
        ("password", twice("password", "abcdef1"), "bad_password"),  # 7
        ("password", twice("password", "a1" * 32), None),  # 64: the longest
        ("password", twice("password", "a1" * 32 + "b"), "bad_password"),  # 65
        ("password", twice("password", " " + GOOD_PASSWORD), "bad_password"),
        ("password", twice("password", GOOD_PASSWORD + " "), "bad_password"),
        ("password", twice("password", "abcdefgh"), "bad_password"),  # no digit
        ("password", twice("password", "12345678"), "bad_password"),  # no letter
        ("password", {"password": GOOD_PASSWORD, "password_confirm": GOOD_PASSWORD + "x"}, "mismatch"),
        ("password", {"password_confirm": GOOD_PASSWORD}, "bad_password"),
        ("confirm", {"confirm": "x"}, None),  # 1: any password the bank may hold is the bank's to judge
        ("confirm", {"confirm": "x" * 64}, None),
        ("confirm", {"confirm": "x" * 65}, "wrong_password"),
        ("confirm", {"confirm": ""}, "wrong_password"),
        ("confirm", {}, "wrong_password"),
    ],
)
def test_each_entry_problem_is_named(purpose: Purpose, form: dict[str, str], problem: str | None) -> None:
    assert _entry_problem(purpose, form) == problem


def test_a_confirm_form_without_its_password_is_a_wrong_entry_the_bank_never_sees(deps: Collaborators) -> None:
    deps.core.bank_passwords["bank_alice"] = "Sup3r-secret"

    answer = handle(event("POST", "confirm", token=link_token("confirm_password"), form={"init_data": ""}), deps)

    assert answer.status == 422
    assert deps.customers.proofs == []  # type: ignore[union-attr]
