"""Paying a money request under the step-up policy (spending/): 20.00 BYN a day free of a code, 50.00
at most (POLICY); the request (AMOUNT, 25.00) is above the free amount on its own."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from messenger_bank.banking.models.cerberus import OneTimeCode, OneTimeCodeCheck
from messenger_bank.errors import InsufficientFunds, InvalidOneTimeCode
from messenger_bank.requests.models import AnswerMoneyRequest, MoneyRequestAnswered
from messenger_bank.requests.service import pay_money_request
from messenger_bank.spending.errors import CodeRequired, DailyLimitExceeded
from messenger_bank.spending.repository import SpendingRepository
from messenger_bank.spending.service import bank_day
from messenger_bank.spending.settings import SpendingSettings
from tests.unit.requests.conftest import AMOUNT, NOW, PAYER, REQUEST_ID, World

POLICY = SpendingSettings(free_per_day_minor=2_000, limit_per_day_minor=5_000)
GENEROUS = SpendingSettings(free_per_day_minor=AMOUNT, limit_per_day_minor=5_000)


@dataclass
class FakeCerberus:
    sent: list[str] = field(default_factory=list)

    def send_code(self, phone: str, purpose: str) -> OneTimeCode:
        self.sent.append(phone)
        return OneTimeCode(otp_id=f"otp-{len(self.sent)}", expires_at=NOW)

    def check_code(self, otp_id: str, code: str) -> OneTimeCodeCheck:
        return OneTimeCodeCheck(valid=code == "123456" and otp_id == f"otp-{len(self.sent)}", attempts_left=2)


def pay(
    world: World, cerberus: FakeCerberus, code: str = "", policy: SpendingSettings = POLICY
) -> MoneyRequestAnswered:
    return pay_money_request(
        AnswerMoneyRequest(customer_id=PAYER, request_id=REQUEST_ID, code=code),
        requests=world.requests, customers_repository=world.customers, core=world.core,  # type: ignore[arg-type]
        cerberus=cerberus, policy=policy, tell=world.told.append, clock=lambda: NOW,  # type: ignore[arg-type]
    )  # fmt: skip


def spent(world: World) -> int:
    return SpendingRepository(world.requests.table).spent(PAYER, bank_day(NOW))


def test_a_request_within_the_free_amount_is_paid_without_a_code(world: World) -> None:
    cerberus = FakeCerberus()

    assert pay(world, cerberus, policy=GENEROUS).status == "paid"
    assert (cerberus.sent, spent(world)) == ([], AMOUNT)


def test_a_request_past_the_free_amount_sends_a_code_and_moves_nothing(world: World) -> None:
    cerberus = FakeCerberus()

    with pytest.raises(CodeRequired):
        pay(world, cerberus)
    assert (cerberus.sent, world.core.transfers, spent(world)) == (["+375297000001"], [], 0)
    assert world.requests.get(REQUEST_ID, PAYER, now=int(NOW.timestamp())).status == "pending"


def test_paying_again_with_the_right_code_pays(world: World) -> None:
    cerberus = FakeCerberus()
    with pytest.raises(CodeRequired):
        pay(world, cerberus)

    assert pay(world, cerberus, code="123456").status == "paid"
    assert [t.amount for t in world.core.transfers] == [AMOUNT]


def test_paying_again_with_a_wrong_code_moves_nothing_and_keeps_the_request_open(world: World) -> None:
    cerberus = FakeCerberus()
    with pytest.raises(CodeRequired):
        pay(world, cerberus)

    with pytest.raises(InvalidOneTimeCode):
        pay(world, cerberus, code="654321")
    assert (world.core.transfers, spent(world)) == ([], 0)
    assert world.requests.get(REQUEST_ID, PAYER, now=int(NOW.timestamp())).status == "pending"


def test_a_code_typed_before_one_was_sent_is_refused(world: World) -> None:
    with pytest.raises(InvalidOneTimeCode):
        pay(world, FakeCerberus(), code="123456")
    assert world.core.transfers == []


def test_a_request_past_the_daily_limit_is_refused_even_with_a_code(world: World) -> None:
    SpendingRepository(world.requests.table).reserve(
        PAYER, "transfer:t1", 2_501, day=bank_day(NOW), ceiling=10**9, now=0
    )
    cerberus = FakeCerberus()

    with pytest.raises(DailyLimitExceeded):
        pay(world, cerberus)
    assert (cerberus.sent, world.core.transfers) == ([], [])


def test_a_request_the_bank_refuses_gives_its_amount_back(world: World) -> None:
    world.core.balances["acc_card1"] = AMOUNT - 1

    with pytest.raises(InsufficientFunds):
        pay(world, FakeCerberus(), policy=GENEROUS)
    assert spent(world) == 0
