"""Telling the recipient, at its edges: a step with no transfer id asks nobody anything, and a card the bank
calls its own but names no customer of is nobody we could tell."""

from __future__ import annotations

import pytest

from messenger_bank.transfers.models import TransferState
from tests.unit.transfers.conftest import World
from tests.unit.transfers.test_tell_recipient import (
    OWN_BANK_PAN,
    RECIPIENT,
    Chats,
    completed,
    recipient_banks_with_us,
    tell,
)


def test_a_step_without_the_transfers_id_is_refused_before_the_bank_is_asked(world: World) -> None:
    recipient_banks_with_us(world)
    state = completed(world)
    asked = list(world.core.calls)
    chats = Chats()

    with pytest.raises(ValueError, match="has no id"):
        tell(world, TransferState.model_validate(state.model_dump() | {"transfer_id": None}), chats)
    assert world.core.calls == asked and chats.told == []


def test_a_card_of_this_bank_that_names_no_customer_tells_no_one(world: World) -> None:
    recipient_banks_with_us(world)
    world.core.own_cards[OWN_BANK_PAN] = ("card-recipient", None)  # type: ignore[assignment]
    chats = Chats()

    assert tell(world, completed(world), chats).outcome == "not_our_customer"
    assert chats.told == []


def test_a_recipient_who_banks_with_us_with_no_chat_bound_is_not_told_nor_marked(world: World) -> None:
    recipient_banks_with_us(world, chats=1)
    table = world.customers.table
    for item in table.scan()["Items"]:
        if item["pk"] == f"CUSTOMER#{RECIPIENT}" and str(item["sk"]).startswith("IDENTITY#"):
            table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})  # the recipient left every messenger
    state = completed(world)
    chats = Chats()

    assert tell(world, state, chats).outcome == "no_chat"
    assert chats.told == []
    assert (
        "recipient_told_at"
        not in world.quotes.table.get_item(Key={"pk": f"QUOTE#{state.quote_id}", "sk": "QUOTE"})["Item"]
    )
