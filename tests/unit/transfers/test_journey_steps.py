"""The transfer journey's steps as the state machine calls them: claim, park, code, debit, credit, refund."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from messenger_bank.errors import DomainError, InvalidOneTimeCode
from messenger_bank.transfers import errors as transfer_errors
from messenger_bank.transfers import service
from messenger_bank.transfers.errors import QuoteAlreadyUsed, QuoteNotFound, TransferCancelled
from messenger_bank.transfers.models import CheckCodeRequest, ParkRequest, TransferState
from tests.unit.transfers.conftest import CUSTOMER, NOW, RECIPIENT_PAN, REFUSED_PAN, SETTINGS, World
from tests.unit.transfers.test_quote import quote

ASL = Path(__file__).parents[3] / "statemachines" / "transfer.asl.yaml"


def prepared(world: World, pan: str = RECIPIENT_PAN, amount: int = 5_000, transfer_id: str = "transfer-abc-1"):
    answer = quote(world, amount, token=world.vault.add(pan))
    state = TransferState(
        quote_id=answer.quote_id, customer_id=CUSTOMER, chat_key="telegram:1", transfer_id=transfer_id
    )
    return service.prepare_transfer(state, settings=SETTINGS, quotes=world.quotes, clock=lambda: NOW)


def debit(world: World, state: TransferState) -> TransferState:
    return service.debit_transfer(state, quotes=world.quotes, core=world.core)  # type: ignore[arg-type]


def credit(world: World, state: TransferState) -> TransferState:
    return service.credit_transfer(state, quotes=world.quotes, core=world.core, vault=world.vault)  # type: ignore[arg-type]


def refund(world: World, state: TransferState) -> TransferState:
    return service.refund_transfer(state, quotes=world.quotes, core=world.core)  # type: ignore[arg-type]


def test_preparing_puts_what_the_messages_show_in_the_state(world: World) -> None:
    state = prepared(world)

    assert (state.amount, state.fee, state.total, state.mask) == (
        "50.00 BYN",
        "1.00 BYN",
        "51.00 BYN",
        "411111******1111",
    )
    assert state.confirm_timeout_seconds == SETTINGS.confirm_timeout_seconds


def test_one_quote_backs_one_transfer_however_often_it_is_started(world: World) -> None:
    state = prepared(world)

    again = service.prepare_transfer(state, settings=SETTINGS, quotes=world.quotes, clock=lambda: NOW)
    assert again.quote_id == state.quote_id  # the same transfer re-driven: fine
    with pytest.raises(QuoteAlreadyUsed):
        service.prepare_transfer(
            state.model_copy(update={"transfer_id": "transfer-abc-2"}), quotes=world.quotes, clock=lambda: NOW
        )


def test_an_expired_quote_cannot_start_a_transfer(world: World) -> None:
    answer = quote(world, 1_000)
    state = TransferState(quote_id=answer.quote_id, customer_id=CUSTOMER, chat_key="telegram:1", transfer_id="t-1")
    later = NOW.replace(year=NOW.year + 1)

    with pytest.raises(QuoteNotFound):
        service.prepare_transfer(state, quotes=world.quotes, clock=lambda: later)


def test_a_confirmed_transfer_debits_the_total_and_credits_the_amount_once(world: World) -> None:
    state = debit(world, prepared(world))
    done = credit(world, state)
    # Lambda retried, execution re-driven: the same keys, the bank's first answers
    assert credit(world, debit(world, done)).debit_id == done.debit_id

    assert done.outcome == "completed"
    assert (world.core.balance_minor, world.core.credited) == (100_000 - 5_100, 5_000)


def test_a_refused_credit_is_refunded_in_full_and_refunding_again_changes_nothing(world: World) -> None:
    state = debit(world, prepared(world, REFUSED_PAN))
    with pytest.raises(DomainError):
        credit(world, state)

    refunded = refund(world, state)
    again = refund(world, state)

    assert refunded.outcome == again.outcome == "refunded"
    assert world.core.balance_minor == 100_000


def test_a_credit_whose_answer_was_lost_is_not_refunded(world: World) -> None:
    state = debit(world, prepared(world))
    world.core.lose_next_answer.add("transfer:transfer-abc-1:credit")
    with pytest.raises(TimeoutError):
        credit(world, state)

    settled = refund(world, state)

    assert settled.outcome == "completed"
    assert (world.core.balance_minor, world.core.credited) == (100_000 - 5_100, 5_000)


def test_a_debit_whose_answer_was_lost_is_voided(world: World) -> None:
    state = prepared(world)
    world.core.lose_next_answer.add("transfer:transfer-abc-1:debit")
    with pytest.raises(TimeoutError):
        debit(world, state)

    voided = refund(world, state)

    assert voided.outcome == "voided"
    assert world.core.balance_minor == 100_000


def test_voiding_a_debit_the_bank_refused_moves_nothing(world: World) -> None:
    world.core.balance_minor = 10_000
    state = prepared(world)
    world.core.balance_minor = 1_000  # spent elsewhere between the quote and the debit

    assert refund(world, state).outcome == "not_debited"
    assert world.core.balance_minor == 1_000


def test_the_confirmation_is_parked_under_the_execution_and_task(world: World) -> None:
    state = prepared(world)
    parked: list[tuple[str, str, str]] = []
    request = ParkRequest(
        execution="transfer-abc-1",
        task="confirm",
        task_token="token",
        chat_key="telegram:1",
        quote_id=state.quote_id,
        customer_id=CUSTOMER,
    )

    service.park_transfer_wait(
        request, quotes=world.quotes, park=lambda ref, token, chat_key: parked.append((ref, token, chat_key))
    )

    assert parked == [("transfer-abc-1:confirm", "token", "telegram:1")]
    assert world.cerberus.sent == []


def test_the_code_is_sent_before_its_wait_is_parked_and_checked_after(world: World) -> None:
    state = prepared(world)
    request = ParkRequest(
        execution="transfer-abc-1",
        task="otp",
        task_token="token",
        chat_key="telegram:1",
        quote_id=state.quote_id,
        customer_id=CUSTOMER,
    )
    service.park_transfer_wait(
        request,
        quotes=world.quotes,
        customers_repository=world.customers,
        cerberus=world.cerberus,
        park=lambda *a, **k: None,  # type: ignore[arg-type]
    )

    assert world.cerberus.sent == [("+375291234567", "transfer")]
    right = CheckCodeRequest.model_validate({**state.model_dump(), "otp": {"code": "123456"}})
    assert service.check_transfer_code(right, quotes=world.quotes, cerberus=world.cerberus) == state  # type: ignore[arg-type]
    wrong = CheckCodeRequest.model_validate({**state.model_dump(), "otp": {"code": "000000"}})
    with pytest.raises(InvalidOneTimeCode):
        service.check_transfer_code(wrong, quotes=world.quotes, cerberus=world.cerberus)  # type: ignore[arg-type]
    left = CheckCodeRequest.model_validate({**state.model_dump(), "otp": {"decision": "cancel"}})
    with pytest.raises(TransferCancelled):
        service.check_transfer_code(left, quotes=world.quotes, cerberus=world.cerberus)  # type: ignore[arg-type]


def test_the_state_machine_catches_errors_that_exist_and_goes_to_states_that_exist() -> None:
    machine = yaml.safe_load(ASL.read_text())
    states = machine["States"]
    known = {c.__name__ for c in _subclasses(DomainError)} | {"BankSystemUnavailable"}
    known |= {name for name in dir(transfer_errors) if name[0].isupper()}

    assert machine["TimeoutSeconds"] > 0
    for name, state in states.items():
        assert name[0].isupper() and "_" not in name
        for rule in state.get("Catch", []) + state.get("Retry", []):
            for error in rule["ErrorEquals"]:
                assert error.startswith(("States.", "Lambda.")) or error in known, error
        targets = [state.get("Next"), state.get("Default")] + [
            c["Next"] for c in state.get("Catch", []) + state.get("Choices", [])
        ]
        assert all(t in states for t in targets if t), name


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found
