"""The live receipt in the transfer and bill payment journeys, as a reader checks their definitions: the
"in progress" message is said before any money moves, on every way there; only its message id is kept;
the receipt (and a transfer's refund) names it to be edited; the steps in between carry it on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from messenger_bank.payments.models import BillPaymentState
from messenger_bank.transfers.models import TransferState

ROOT = Path(__file__).resolve().parents[2]
# (machine, the money step, the "in progress" words, the states that end with the money moved or back)
JOURNEYS = [
    ("transfer", "Debit", "transfer.sent", ("SendReceipt", "TellRefunded")),
    ("bill_payment", "Pay", "payment.paying", ("SendReceipt",)),
]
IDS = [journey[0] for journey in JOURNEYS]


def machine(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "statemachines" / f"{name}.asl.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def ways_into(states: dict[str, Any], target: str) -> set[str]:
    """The states that may go to `target`: by Next, a Choice's choices or default, or a Catch."""
    found = set()
    for name, state in states.items():
        nexts = [state.get("Next"), state.get("Default")]
        nexts += [choice.get("Next") for choice in state.get("Choices", [])]
        nexts += [catch.get("Next") for catch in state.get("Catch", [])]
        if target in nexts:
            found.add(name)
    return found


@pytest.mark.parametrize(("name", "money", "words", "ends"), JOURNEYS, ids=IDS)
def test_the_money_step_is_reached_only_after_the_in_progress_message(
    name: str, money: str, words: str, ends: tuple[str, ...]
) -> None:
    states = machine(name)["States"]
    assert ways_into(states, money) == {"TellInProgress"}
    assert ways_into(states, "TellInProgress") == {"CodeNeeded", "CheckCode"}  # with a code or without


@pytest.mark.parametrize(("name", "money", "words", "ends"), JOURNEYS, ids=IDS)
def test_the_in_progress_message_says_its_words_without_the_menu_and_keeps_only_its_id(
    name: str, money: str, words: str, ends: tuple[str, ...]
) -> None:
    told = machine(name)["States"]["TellInProgress"]
    assert told["Resource"] == "${NotifyCustomerFunctionArn}"
    assert (told["Parameters"]["message"], told["Parameters"]["menu"]) == (words, False)
    assert (told["ResultSelector"], told["ResultPath"]) == ({"message_id.$": "$.message_id"}, "$.receipt_message")


@pytest.mark.parametrize(("name", "money", "words", "ends"), JOURNEYS, ids=IDS)
def test_an_in_progress_message_that_fails_still_lets_the_money_move(
    name: str, money: str, words: str, ends: tuple[str, ...]
) -> None:
    told = machine(name)["States"]["TellInProgress"]
    assert [(c["ErrorEquals"], c["Next"]) for c in told["Catch"]] == [(["States.ALL"], money)]
    # The failure goes beside the state: the state's empty receipt_message (no id) stays for the end.
    assert told["Catch"][0]["ResultPath"] not in ("$", "$.receipt_message")


@pytest.mark.parametrize(("name", "money", "words", "ends"), JOURNEYS, ids=IDS)
def test_the_end_edits_the_in_progress_message(name: str, money: str, words: str, ends: tuple[str, ...]) -> None:
    states = machine(name)["States"]
    for end in ends:
        assert states[end]["Parameters"]["edit_message_id.$"] == "$.receipt_message.message_id", end


@pytest.mark.parametrize(
    ("model", "required"),
    [
        (TransferState, {"quote_id": "q-" + "0" * 32}),
        (BillPaymentState, {"quote_id": "pq-" + "0" * 32}),
    ],
    ids=IDS,
)
def test_the_steps_between_carry_the_message_id_on(model: type[BaseModel], required: dict[str, str]) -> None:
    """Each step Lambda answers with its state model: a field it did not know would be dropped there."""
    state = {"customer_id": "cus_1", "chat_key": "telegram:1001", **required}
    told = {**state, "receipt_message": {"message_id": "42"}}
    assert model.model_validate(told).model_dump()["receipt_message"] == {"message_id": "42"}
    # Never told (or the notice failed): still there, so that the end's path to the id resolves.
    assert model.model_validate(state).model_dump()["receipt_message"] == {"message_id": None}


def test_the_in_progress_message_of_any_messenger_is_kept_by_its_id() -> None:
    """Messenger's mids run to about 100 characters, WhatsApp's wamids to about 60, Telegram's are numbers."""
    from messenger_bank.types import ReceiptMessage

    mid = "m_" + "AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"
    for message_id in ("1234", "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA", mid):
        assert ReceiptMessage(message_id=message_id).message_id == message_id


def test_between_the_debit_and_the_credit_the_transfer_says_the_money_left_by_an_edit_only() -> None:
    states = machine("transfer")["States"]
    stage = states["TellDebited"]

    assert states["Debit"]["Next"] == "TellDebited" and stage["Next"] == "Credit"
    assert ways_into(states, "Credit") == {"TellDebited"}
    assert stage["Resource"] == "${NotifyCustomerFunctionArn}"
    parameters = stage["Parameters"]
    assert (parameters["message"], parameters["edit_only"]) == ("transfer.debited", True)
    assert parameters["edit_message_id.$"] == "$.receipt_message.message_id"
    assert stage["ResultPath"] is None  # the state goes on unchanged to the credit
    # A stage that fails never stops the money.
    assert [(c["ErrorEquals"], c["Next"]) for c in stage["Catch"]] == [(["States.ALL"], "Credit")]
    assert stage["Catch"][0]["ResultPath"] not in ("$", "$.receipt_message")
