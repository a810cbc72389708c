"""Telling the recipient, at its edges: a step with no transfer id asks nobody anything; a card the bank calls its
own but names no customer of, or another bank's card whatever its answer names, is nobody we could tell; the
chats are tried in turn whichever is down; the quote keeps when the recipient was told."""

from __future__ import annotations

import pytest

from messenger_bank.banking.models.core import CardLookup
from messenger_bank.transfers.errors import RecipientNotReached
from messenger_bank.transfers.models import RecipientTold, TransferState
from tests.unit.transfers.conftest import NOW, World
from tests.unit.transfers.test_tell_recipient import (
    OWN_BANK_PAN,
    RECIPIENT,
    RECIPIENT_BANK_ID,
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


def test_a_card_of_another_bank_is_nobody_we_could_tell_even_when_its_answer_names_a_customer(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipient_banks_with_us(world)
    theirs = CardLookup(own=False, masked_pan="427683******0017", customer_id=RECIPIENT_BANK_ID)
    monkeypatch.setattr(world.core, "lookup", lambda pan: theirs)
    chats = Chats()

    assert tell(world, completed(world), chats).outcome == "not_our_customer"
    assert chats.told == []


def test_the_first_chat_down_does_not_keep_the_notice_from_the_next(world: World) -> None:
    recipient_banks_with_us(world)
    chats = Chats(refusing={"telegram:555"})

    assert tell(world, completed(world), chats) == RecipientTold(outcome="told", delivered=1)
    assert [r.chat_key for r in chats.told] == ["viber:vb555"]


def test_with_every_chat_down_the_failure_says_how_many_chats_were_tried_and_refused(world: World) -> None:
    recipient_banks_with_us(world)

    with pytest.raises(RecipientNotReached) as refused:
        tell(world, completed(world), Chats(refusing={"telegram:555", "viber:vb555"}))
    assert refused.value.details == {"chats": 2, "refused": 2}


def test_one_chat_down_and_the_other_blocking_the_bot_fails_the_step_for_a_rerun(world: World) -> None:
    recipient_banks_with_us(world)

    with pytest.raises(RecipientNotReached) as refused:
        tell(world, completed(world), Chats(refusing={"viber:vb555"}, blocked_the_bot={"telegram:555"}))
    assert refused.value.details == {"chats": 2, "refused": 1}


def test_the_quote_keeps_when_its_recipient_was_told(world: World) -> None:
    recipient_banks_with_us(world)
    state = completed(world)

    tell(world, state, Chats())

    item = world.quotes.table.get_item(Key={"pk": f"QUOTE#{state.quote_id}", "sk": "QUOTE"})["Item"]
    assert item["recipient_told_at"] == int(NOW.timestamp())
