"""The transfer journey under the step-up policy (spending/): 1 000.00 BYN a day free of a code, 10 000.00
at most (conftest POLICY_ENV). The debit refuses what the quote's code did not cover and counts once."""

from __future__ import annotations

import pytest

from messenger_bank.errors import CardNotFound, InsufficientFunds
from messenger_bank.spending.errors import CodeRequired
from messenger_bank.spending.repository import SpendingRepository
from messenger_bank.spending.service import bank_day
from messenger_bank.transfers import service
from messenger_bank.transfers.models import CheckCodeRequest, CodeAnswer, ParkRequest, TransferState
from tests.unit.transfers.conftest import CUSTOMER, NOW, World
from tests.unit.transfers.test_journey_steps import credit, prepared


def debit(world: World, state: TransferState) -> TransferState:
    return service.debit_transfer(state, quotes=world.quotes, core=world.core, clock=lambda: NOW)  # type: ignore[arg-type]


def refund(world: World, state: TransferState) -> TransferState:
    return service.refund_transfer(state, quotes=world.quotes, core=world.core, clock=lambda: NOW)  # type: ignore[arg-type]


def spent(world: World) -> int:
    return SpendingRepository(world.quotes.table).spent(CUSTOMER, bank_day(NOW))


def test_split_transfers_under_the_code_threshold_end_up_asking_for_a_code(world: World) -> None:
    world.core.balance_minor = 1_000_000
    first = prepared(world, amount=60_000, transfer_id="t-1")  # total 60 900
    debit(world, first)

    second = prepared(world, amount=40_000, transfer_id="t-2")  # total 40 600: 101 500 today

    assert (first.otp_required, second.otp_required) == (False, True)


def test_a_debit_whose_code_was_never_checked_moves_nothing(world: World) -> None:
    world.core.balance_minor = 1_000_000
    state = prepared(world, amount=150_000)  # needs a code; the journey skips it

    with pytest.raises(CodeRequired):
        debit(world, state)
    assert (world.core.operations, spent(world)) == (0, 0)


def test_a_debit_after_the_right_code_moves_the_money_and_counts_it(world: World) -> None:
    world.core.balance_minor = 1_000_000
    state = prepared(world, amount=150_000)
    park = ParkRequest(
        execution="transfer-abc-1", task="otp", task_token="t", chat_key="telegram:1",
        quote_id=state.quote_id, customer_id=CUSTOMER,
    )  # fmt: skip
    service.park_transfer_wait(
        park, quotes=world.quotes, customers_repository=world.customers, cerberus=world.cerberus,  # type: ignore[arg-type]
        park=lambda *a, **k: None,
    )  # fmt: skip
    service.check_transfer_code(
        CheckCodeRequest(**state.model_dump(), otp=CodeAnswer(code="123456")),
        quotes=world.quotes, cerberus=world.cerberus,  # type: ignore[arg-type]
    )  # fmt: skip

    debit(world, state)

    assert spent(world) == 152_250  # 150 000 + 1.5 %


def test_a_refused_debit_gives_its_amount_back(world: World) -> None:
    state = prepared(world, amount=5_000)
    world.core.balance_minor = 0

    with pytest.raises(InsufficientFunds):
        debit(world, state)
    assert spent(world) == 0


def test_a_refunded_transfer_gives_its_amount_back_once(world: World) -> None:
    from tests.unit.transfers.conftest import REFUSED_PAN

    state = debit(world, prepared(world, pan=REFUSED_PAN, amount=5_000))
    with pytest.raises(CardNotFound):
        credit(world, state)
    refund(world, state)
    refund(world, state)

    assert spent(world) == 0
