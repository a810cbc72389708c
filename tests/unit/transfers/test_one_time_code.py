"""The one-time code of a transfer above the threshold: sent by Cerberus for this quote before the wait is
parked, checked against that very code, and never carried on in the journey's state."""

from __future__ import annotations

import pytest

from messenger_bank.errors import InvalidOneTimeCode
from messenger_bank.spending.repository import SpendingRepository
from messenger_bank.transfers import service
from messenger_bank.transfers.errors import QuoteNotFound
from messenger_bank.transfers.models import CheckCodeRequest, ParkRequest, TransferState
from tests.unit.transfers.conftest import CUSTOMER, World
from tests.unit.transfers.test_journey_steps import prepared

RIGHT_CODE = "123456"  # what FakeCerberus accepts


def park_code_wait(world: World, state: TransferState, *, quote_id: str | None = None) -> list[str]:
    parked: list[str] = []
    service.park_transfer_wait(
        ParkRequest(
            execution="transfer-abc-1",
            task="otp",
            task_token="token",
            chat_key="telegram:1",
            quote_id=quote_id or state.quote_id,
            customer_id=CUSTOMER,
        ),
        quotes=world.quotes,
        customers_repository=world.customers,
        cerberus=world.cerberus,  # type: ignore[arg-type]
        park=lambda reference, token, chat_key: parked.append(reference),
    )
    return parked


def check(world: World, state: TransferState, code: str) -> TransferState:
    request = CheckCodeRequest.model_validate({**state.model_dump(), "otp": {"code": code}})
    return service.check_transfer_code(request, quotes=world.quotes, cerberus=world.cerberus)  # type: ignore[arg-type]


def test_the_right_code_for_the_code_sent_lets_the_transfer_go_on_without_the_code_in_its_state(world: World) -> None:
    state = prepared(world)
    park_code_wait(world, state)

    checked = check(world, state, RIGHT_CODE)

    assert checked == state
    assert type(checked) is TransferState and RIGHT_CODE not in checked.model_dump_json()


def test_the_code_is_checked_under_the_id_cerberus_gave_for_this_quote(world: World) -> None:
    state = prepared(world)
    world.cerberus.send_code("+375290000000", "transfer")  # another code, for another operation
    park_code_wait(world, state)  # this quote's code: otp-2

    kept = SpendingRepository(world.quotes.table).challenge(state.quote_id, CUSTOMER)
    assert kept is not None and kept["otp_id"] == "otp-2"
    assert check(world, state, RIGHT_CODE) == state


def test_a_code_typed_when_none_was_sent_is_refused_without_asking_cerberus(world: World) -> None:
    state = prepared(world)  # no code wait parked: the quote has no code id
    world.cerberus.send_code("+375290000000", "transfer")  # Cerberus would accept otp-1 with the right code

    with pytest.raises(InvalidOneTimeCode) as refused:
        check(world, state, RIGHT_CODE)
    assert refused.value.details == {"attempts_left": 0}


def test_an_empty_code_is_refused_with_no_attempt_left_without_asking_cerberus(world: World) -> None:
    state = prepared(world)
    park_code_wait(world, state)

    with pytest.raises(InvalidOneTimeCode) as refused:
        check(world, state, "")
    assert refused.value.details == {"attempts_left": 0}  # Cerberus would have said 2


def test_no_code_is_sent_for_a_quote_that_is_not_the_customers(world: World) -> None:
    state = prepared(world)

    with pytest.raises(QuoteNotFound):
        park_code_wait(world, state, quote_id="q-" + "0" * 32)
    assert world.cerberus.sent == []
