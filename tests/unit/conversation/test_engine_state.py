"""The typed flow data and button actions a session keeps (engine.state)."""

from __future__ import annotations

from typing import Any

import pytest

from messenger_bank.conversation.engine.state import (
    FlowData,
    GotoAction,
    ItemAction,
    NextAction,
    OptionAction,
    Position,
    stored_action,
)

BUSY = FlowData(
    values={"referral": "ABC123", "amount": {"minor": 5000}, "ref": "r-1"},
    resume=Position(flow="card_services", step="pin_link"),
    entities={"amount": "50"},
    run="0123456789abcdef",
    starts=2,
    sensitive=("last_four",),
    error="CardNotProven",
)


def test_a_new_flow_keeps_only_the_persistent_values_and_none_of_the_bookkeeping() -> None:
    assert BUSY.kept() == FlowData(values={"referral": "ABC123"})


def test_without_a_referral_a_new_flow_keeps_nothing() -> None:
    assert BUSY.model_copy(update={"values": {"amount": {"minor": 5000}}}).kept() == FlowData()


def test_a_reference_reaches_the_engines_fields_by_their_old_names_and_the_values_by_theirs() -> None:
    data = BUSY.model_copy(update={"values": {**BUSY.values, "error": "the customer's", "run": "theirs"}})
    assert data.lookup("_error") == "CardNotProven"
    assert data.lookup("_run") == "0123456789abcdef"
    assert data.lookup("_entities") == {"amount": "50"}
    assert data.lookup("error") == "the customer's"
    assert data.lookup("run") == "theirs"
    assert data.lookup("_starts") is None  # not a reference a flow may make


def test_the_flow_data_round_trips_through_json() -> None:
    assert FlowData.model_validate_json(BUSY.model_dump_json()) == BUSY


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(ValueError, match="_resume"):
        FlowData.model_validate({"values": {}, "_resume": {"flow": "a", "step": "b"}})


# ---- data saved before the typed model: one dict, the engine's keys with an underscore

LEGACY: dict[str, Any] = {
    "referral": "ABC123",
    "amount": {"minor": 5000},
    "ref": "r-1",
    "_resume": {"flow": "card_services", "step": "pin_link"},
    "_entities": {"amount": "50"},
    "_run": "0123456789abcdef",
    "_starts": 2,
    "_sensitive": ["last_four"],
    "_error": "CardNotProven",
}


def test_legacy_data_becomes_values_and_typed_bookkeeping() -> None:
    assert FlowData.from_legacy(LEGACY) == BUSY


def test_legacy_data_without_bookkeeping_is_all_values() -> None:
    plain = {"card": {"token": "tok_1111abcdefgh", "mask": "•• 1111"}}
    assert FlowData.from_legacy(plain) == FlowData(values=plain)


@pytest.mark.parametrize("resume", ["card_services:pin_link", {"flow": "card_services"}, None])
def test_a_legacy_resume_that_is_not_a_position_is_dropped(resume: Any) -> None:
    # The old engine went to the main menu for a `_resume` it could not read; no resume does the same.
    assert FlowData.from_legacy({**LEGACY, "_resume": resume}).resume is None


# ---- what a session-scoped button was stored to do


@pytest.mark.parametrize(
    ("raw", "action"),
    [
        (
            {"kind": "next", "flow": "transfer", "step": "amount", "at": "transfer:recipient"},
            NextAction(flow="transfer", step="amount", at="transfer:recipient"),
        ),
        (
            {"kind": "goto", "flow": "topup", "step": None, "at": "menu:main"},
            GotoAction(flow="topup", step=None, at="menu:main"),
        ),
        (
            {"kind": "option", "option": "confirm", "at": "transfer:confirm"},
            OptionAction(option="confirm", at="transfer:confirm"),
        ),
        ({"kind": "item", "index": 1, "at": "cards:pick"}, ItemAction(index=1, at="cards:pick")),
    ],
)
def test_each_stored_action_reads_back_and_dumps_as_it_was_stored(raw: dict[str, Any], action: Any) -> None:
    assert stored_action(raw) == action
    assert action.model_dump() == raw


@pytest.mark.parametrize(
    ("raw", "action"),
    [
        ({"kind": "next", "flow": "transfer", "step": "amount"}, NextAction(flow="transfer", step="amount")),
        ({"kind": "goto", "flow": "topup", "step": None}, GotoAction(flow="topup", step=None)),
    ],
)
def test_a_next_or_goto_stored_before_buttons_named_their_step_names_none(raw: dict[str, Any], action: Any) -> None:
    assert stored_action(raw) == action and action.at is None


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {"kind": "pay", "flow": "transfer", "step": "amount"},
        {"kind": "option", "option": "confirm"},
        {"kind": "item", "index": "first", "at": "cards:pick"},
    ],
    ids=["no action", "unknown kind", "no position", "index not a number"],
)
def test_an_action_the_engine_cannot_have_stored_is_none(raw: Any) -> None:
    assert stored_action(raw) is None
