"""The step-up code as journey steps (any journey's AwaitCode and CheckCode), each case one thing changed
from a valid step: the code goes to the customer's phone and the task token waits under
`<execution>:otp`; a right code is accepted and never kept, a wrong one or leaving the prompt refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from messenger_bank.errors import InvalidOneTimeCode
from messenger_bank.spending import service, steps
from messenger_bank.spending.errors import CodeCancelled
from messenger_bank.spending.models import CodeAccepted, CodeCheck, CodeWait, CodeWaiting, TypedCode
from tests.unit.spending.conftest import CUSTOMER, PHONE, World

WAIT = {
    "execution": "pay-1",
    "task_token": "token-1",
    "chat_key": "telegram:42",
    "challenge": "pq-1",
    "customer_id": CUSTOMER,
    "purpose": "payment",
}


class Parked:
    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((args, kwargs))


def await_code(world: World, park: Parked, **changed: Any) -> CodeWaiting:
    return steps.await_code(
        CodeWait.model_validate({**WAIT, **changed}),
        repository=world.spending,
        customers_repository=world.customers,
        cerberus=world.cerberus,  # type: ignore[arg-type]
        park=park,
    )


def check_code(world: World, otp: dict[str, Any], challenge: str = "pq-1") -> CodeAccepted:
    return steps.check_code(
        CodeCheck.model_validate({"challenge": challenge, "customer_id": CUSTOMER, "otp": otp}),
        repository=world.spending,
        cerberus=world.cerberus,  # type: ignore[arg-type]
    )


def test_awaiting_the_code_texts_it_to_the_customers_phone_and_parks_the_token_under_otp(world: World) -> None:
    park = Parked()

    waiting = await_code(world, park)

    assert world.cerberus.sent == [(PHONE, "payment")]
    assert park.calls == [(("pay-1:otp", "token-1"), {"chat_key": "telegram:42"})]
    assert waiting == CodeWaiting(reference="pay-1:otp")
    assert service.code_checked("pq-1", CUSTOMER, repository=world.spending) is False


def test_the_code_is_sent_for_the_journeys_purpose(world: World) -> None:
    await_code(world, Parked(), purpose="money_request")

    assert world.cerberus.sent == [(PHONE, "money_request")]


def test_the_right_code_is_accepted_checks_the_challenge_and_is_not_kept(world: World) -> None:
    await_code(world, Parked())

    accepted = check_code(world, {"code": "123456"})

    assert accepted.model_dump() == {"checked": True}
    assert service.code_checked("pq-1", CUSTOMER, repository=world.spending) is True


def test_a_wrong_code_is_refused_and_checks_nothing(world: World) -> None:
    await_code(world, Parked())

    with pytest.raises(InvalidOneTimeCode):
        check_code(world, {"code": "654321"})
    assert service.code_checked("pq-1", CUSTOMER, repository=world.spending) is False


def test_leaving_the_prompt_cancels_without_asking_cerberus(world: World) -> None:
    await_code(world, Parked())

    with pytest.raises(CodeCancelled):
        check_code(world, {"code": "123456", "decision": "cancel"})
    assert world.cerberus.checked == []
    assert service.code_checked("pq-1", CUSTOMER, repository=world.spending) is False


def test_another_decision_than_cancel_is_a_code_to_check(world: World) -> None:
    await_code(world, Parked())

    assert check_code(world, {"code": "123456", "decision": "confirm"}).checked is True


def test_nothing_typed_is_refused(world: World) -> None:
    await_code(world, Parked())

    with pytest.raises(InvalidOneTimeCode):
        check_code(world, {})


def test_a_typed_code_longer_than_any_code_is_refused_at_the_boundary() -> None:
    assert TypedCode(code="1" * 16).code == "1" * 16
    with pytest.raises(ValidationError):
        TypedCode(code="1" * 17)


@pytest.mark.parametrize("challenge", ["", "q 1", "q/1", "q" * 121])
def test_a_challenge_outside_its_format_is_refused(challenge: str) -> None:
    with pytest.raises(ValidationError):
        CodeCheck.model_validate({"challenge": challenge, "customer_id": CUSTOMER})


def test_a_challenge_of_the_longest_length_is_taken() -> None:
    assert CodeCheck.model_validate({"challenge": "q" * 120, "customer_id": CUSTOMER}).challenge == "q" * 120


@pytest.mark.parametrize("execution", ["", "pay 1", "p" * 81])
def test_an_execution_name_outside_its_format_is_refused(execution: str) -> None:
    with pytest.raises(ValidationError):
        CodeWait.model_validate({**WAIT, "execution": execution})


def test_a_purpose_the_policy_does_not_know_is_refused() -> None:
    with pytest.raises(ValidationError):
        CodeWait.model_validate({**WAIT, "purpose": "topup"})
