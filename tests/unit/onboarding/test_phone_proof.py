"""Proving a typed phone with a one-time code: only from the chat that asked, for the phone it was sent to,
within ten minutes, once; three wrong codes lock it. Each case is the valid proof with one thing changed."""

from __future__ import annotations

from typing import Any

import pytest

from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.onboarding import phone
from messenger_bank.onboarding.models import CheckCodeRequest, CodeChecked, SendCodeRequest

from .conftest import CODE, Bank, Clock

CHAT = "telegram:1001"
PHONE = "+375291234567"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moment = Clock(1_765_000_000)
    monkeypatch.setattr(phone, "time", moment)
    return moment


@pytest.fixture
def sent(table: Any, bank: Bank, clock: Clock) -> None:
    assert phone.send_code(SendCodeRequest(phone=PHONE, chat_key=CHAT)).sent


def check(code: str = CODE, *, chat_key: str = CHAT, number: str = PHONE) -> CodeChecked:
    return phone.check_code(CheckCodeRequest(phone=number, code=code, chat_key=chat_key))


def test_the_right_code_from_the_chat_that_asked_proves_the_phone(
    sent: None, customers: CustomersRepository, clock: Clock
) -> None:
    assert check() == CodeChecked(valid=True)
    assert customers.proven_phone(CHAT, clock.at) == PHONE


def test_a_wrong_code_is_refused_and_proves_nothing(sent: None, customers: CustomersRepository, clock: Clock) -> None:
    assert check("000000") == CodeChecked(valid=False, locked=False)
    assert customers.proven_phone(CHAT, clock.at) is None


def test_the_third_wrong_code_locks_even_the_right_one(
    sent: None, customers: CustomersRepository, clock: Clock
) -> None:
    answers = [check("000000"), check("111111"), check("222222"), check()]

    assert [(a.valid, a.locked) for a in answers] == [(False, False), (False, False), (False, True), (False, True)]
    assert customers.proven_phone(CHAT, clock.at) is None


def test_the_right_code_from_another_chat_is_refused_without_asking_the_bank(
    sent: None, bank: Bank, customers: CustomersRepository, clock: Clock
) -> None:
    assert check(chat_key="telegram:2002") == CodeChecked(valid=False, locked=True)
    assert bank.cerberus.checks == 0
    assert customers.proven_phone("telegram:2002", clock.at) is None


def test_the_right_code_for_another_phone_is_refused_without_asking_the_bank(sent: None, bank: Bank) -> None:
    assert check(number="+375447654321") == CodeChecked(valid=False, locked=True)
    assert bank.cerberus.checks == 0


@pytest.mark.parametrize(("after", "valid"), [(600, True), (601, False)], ids=["at ten minutes", "a second later"])
def test_a_code_is_checked_for_ten_minutes(sent: None, clock: Clock, after: int, valid: bool) -> None:
    clock.at += after

    assert check().valid is valid


def test_a_code_proves_the_phone_once(sent: None, bank: Bank, customers: CustomersRepository, clock: Clock) -> None:
    assert check().valid
    customers.forget_proven_phone(CHAT)  # sign-in or onboarding used the proof

    assert check() == CodeChecked(valid=False, locked=True)
    assert customers.proven_phone(CHAT, clock.at) is None
    assert bank.cerberus.checks == 1, "a used code's id was kept and the bank asked again"


@pytest.mark.parametrize(("after", "proven"), [(1800, True), (1801, False)], ids=["at half an hour", "a second later"])
def test_a_proven_phone_counts_for_half_an_hour(
    sent: None, customers: CustomersRepository, clock: Clock, after: int, proven: bool
) -> None:
    check()

    assert (customers.proven_phone(CHAT, clock.at + after) == PHONE) is proven
