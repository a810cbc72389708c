"""The transfer journey's last step: a recipient who is our customer is told of the money, once, on every
chat they bound, in their language; nothing here moves money or lets a failure undo the transfer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from messenger_bank.channels.errors import ChannelError
from messenger_bank.conversation.catalogue import catalogue
from messenger_bank.customers.models import ChannelIdentity, Customer
from messenger_bank.notices.models import Notified, NotifyRequest
from messenger_bank.notices.service import compose
from messenger_bank.security.cards import find_pans
from messenger_bank.transfers.errors import RecipientNotReached
from messenger_bank.transfers.models import RecipientTold, TransferState
from messenger_bank.transfers.recipient import NOTICE, tell_recipient
from messenger_bank.types import LANGUAGES
from tests.unit.transfers.conftest import CUSTOMER, NOW, SOURCE_CARD, World
from tests.unit.transfers.test_journey_steps import credit, debit, prepared

ASL = Path(__file__).parents[3] / "statemachines" / "transfer.asl.yaml"
RECIPIENT = "cus-2"
RECIPIENT_BANK_ID = "BANK-2"
OWN_BANK_PAN = "4276830000000017"  # a card of this bank, held by the recipient


@dataclass
class Chats:
    """The messengers as `notify` sees them: what each chat was told; some chats may refuse."""

    refusing: set[str] = field(default_factory=set)
    blocked_the_bot: set[str] = field(default_factory=set)
    told: list[NotifyRequest] = field(default_factory=list)

    def __call__(self, request: NotifyRequest) -> Notified:
        if request.chat_key in self.refusing:
            raise ChannelError("the platform is down")
        if request.chat_key in self.blocked_the_bot:
            return Notified(delivered=False, outcome="recipient_unavailable")
        self.told.append(request)
        return Notified(delivered=True, outcome="sent")


def recipient_banks_with_us(world: World, *, language: str = "be", chats: int = 2) -> None:
    world.customers.create(
        Customer(
            customer_id=RECIPIENT,
            bank_customer_id=RECIPIENT_BANK_ID,
            phone="+375297654321",
            language=language,  # type: ignore[arg-type]
            referral_code="XYZ789",
            created_at=NOW,
        ),
        ChannelIdentity(channel="telegram", user_id="555", chat_id="555"),
    )
    if chats > 1:
        world.customers.link_identity(RECIPIENT, ChannelIdentity(channel="viber", user_id="vb555", chat_id="vb555"))
    world.core.own_cards[OWN_BANK_PAN] = ("card-recipient", RECIPIENT_BANK_ID)


def completed(world: World, pan: str = OWN_BANK_PAN) -> TransferState:
    return credit(world, debit(world, prepared(world, pan=pan)))


def tell(world: World, state: TransferState, chats: Chats) -> RecipientTold:
    return tell_recipient(
        state,
        quotes=world.quotes,
        customers_repository=world.customers,
        core=world.core,  # type: ignore[arg-type]
        vault=world.vault,  # type: ignore[arg-type]
        tell=chats,
        clock=lambda: NOW,
    )


def test_a_recipient_who_banks_with_us_is_told_on_each_chat_in_their_language(world: World) -> None:
    recipient_banks_with_us(world, language="be")
    chats = Chats()

    answer = tell(world, completed(world), chats)

    assert answer == RecipientTold(outcome="told", delivered=2)
    assert sorted(r.chat_key for r in chats.told) == ["telegram:555", "viber:vb555"]
    notice = chats.told[0]
    assert (notice.message, notice.language) == (NOTICE, "be")
    assert notice.values == {"amount": "50.00 BYN", "mask": "400011******0001"}  # what arrived, from whose card
    text = compose(notice).text
    assert "50.00 BYN" in text and "400011******0001" in text and "карткі" in text
    assert find_pans(text) == []


def test_a_retried_step_tells_the_recipient_once_and_moves_no_money(world: World) -> None:
    recipient_banks_with_us(world)
    state = completed(world)
    balance, credited = world.core.balance_minor, world.core.credited
    money_calls = [c for c in world.core.calls if c != "lookup"]
    chats = Chats()

    first = tell(world, state, chats)
    again = tell(world, state, chats)

    assert (first.outcome, again.outcome) == ("told", "already_told")
    assert len(chats.told) == 2  # two chats, once each
    assert (world.core.balance_minor, world.core.credited) == (balance, credited)
    assert [c for c in world.core.calls if c != "lookup"] == money_calls


def test_another_banks_card_tells_no_one(world: World) -> None:
    recipient_banks_with_us(world)
    chats = Chats()

    assert tell(world, completed(world, pan="4111111111111111"), chats).outcome == "not_our_customer"
    assert chats.told == []


def test_a_card_of_this_bank_whose_holder_does_not_use_the_bot_tells_no_one(world: World) -> None:
    world.core.own_cards[OWN_BANK_PAN] = ("card-someone", "BANK-NOT-IN-THE-BOT")
    chats = Chats()

    assert tell(world, completed(world), chats).outcome == "not_our_customer"
    assert chats.told == []


def test_money_to_ones_own_other_card_needs_no_second_message(world: World) -> None:
    world.core.own_cards[OWN_BANK_PAN] = (SOURCE_CARD, "BANK-1")
    world.customers.table.put_item(Item={"pk": "BANK#BANK-1", "sk": "UNIQUE", "customer_id": CUSTOMER})
    chats = Chats()

    assert tell(world, completed(world), chats).outcome == "own_card"
    assert chats.told == []


def test_a_transfer_that_was_refunded_tells_the_recipient_nothing(world: World) -> None:
    recipient_banks_with_us(world)
    chats = Chats()
    state = debit(world, prepared(world, pan=OWN_BANK_PAN)).model_copy(update={"outcome": "refunded"})

    assert tell(world, state, chats).outcome == "not_completed"
    assert chats.told == [] and "lookup" not in world.core.calls


def test_one_chat_down_does_not_keep_the_notice_from_the_other(world: World) -> None:
    recipient_banks_with_us(world)
    chats = Chats(refusing={"viber:vb555"})

    answer = tell(world, completed(world), chats)

    assert answer == RecipientTold(outcome="told", delivered=1)
    assert [r.chat_key for r in chats.told] == ["telegram:555"]


def test_when_no_chat_takes_the_notice_the_step_fails_and_a_rerun_may_tell_them(world: World) -> None:
    recipient_banks_with_us(world, chats=1)
    state = completed(world)

    with pytest.raises(RecipientNotReached):
        tell(world, state, Chats(refusing={"telegram:555"}))
    later = Chats()
    assert tell(world, state, later).outcome == "told"
    assert [r.chat_key for r in later.told] == ["telegram:555"]


def test_a_recipient_who_blocked_the_bot_is_not_tried_again(world: World) -> None:
    recipient_banks_with_us(world, chats=1)
    state = completed(world)
    chats = Chats(blocked_the_bot={"telegram:555"})

    assert tell(world, state, chats) == RecipientTold(outcome="unreachable")
    assert tell(world, state, Chats()).outcome == "already_told"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notice_is_in_every_language_with_the_amount_and_the_mask(language: str) -> None:
    notice = catalogue()[language][NOTICE]

    assert "{amount}" in notice and "{mask}" in notice


def _states() -> dict[str, Any]:
    states: dict[str, Any] = yaml.safe_load(ASL.read_text())["States"]
    return states


def _reachable(states: dict[str, Any], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        state = states[name]
        todo += [t for t in (state.get("Next"), state.get("Default")) if t]
        todo += [c["Next"] for c in state.get("Catch", []) + state.get("Choices", [])]
    return seen


def test_the_journey_tells_the_recipient_after_the_receipt_and_nothing_after_can_move_money() -> None:
    states = _states()

    assert states["SendReceipt"]["Next"] == "TellRecipient"
    tell_state = states["TellRecipient"]
    assert tell_state["Next"] == "TransferCompleted"
    assert tell_state["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.recipient_failure", "Next": "TransferCompleted"}
    ]
    # Whatever happens when telling the recipient, the transfer completes: no refund, no failure.
    assert _reachable(states, "TellRecipient") == {"TellRecipient", "TransferCompleted"}
    # A credit found settled during compensation completes the transfer: the recipient is told then too.
    assert "TellRecipient" in _reachable(states, "RefundedOrCompleted")
