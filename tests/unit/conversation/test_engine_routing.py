"""What the routing reads an inbound event as (engine.routing.read)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from messenger_bank.channels.models import ChatRef, InboundEvent
from messenger_bank.conversation.engine import EngineSettings
from messenger_bank.conversation.engine.context import TurnContext
from messenger_bank.conversation.engine.routing import (
    CommandGiven,
    ContactShared,
    GoPressed,
    Inbound,
    NotTaken,
    ScopedPressed,
    Started,
    Typed,
    Unsubscribed,
    read,
)
from messenger_bank.conversation.engine.state import OptionAction
from messenger_bank.conversation.flows import default_flows
from messenger_bank.conversation.sessions import Session
from tests.unit.conversation.chat import NOW, FakeDeps

CONFIRM = {"kind": "option", "option": "confirm", "at": "transfer:confirm"}
SESSION = Session(
    chat_key="telegram:1001",
    flow="transfer",
    step="confirm",
    buttons={"0": CONFIRM},
    epoch=3,
    expires_at=int((NOW + timedelta(minutes=30)).timestamp()),
)


def read_event(kind: str, session: Session | None = SESSION, **fields: Any) -> Inbound:
    event = InboundEvent(
        chat=ChatRef(channel="telegram", chat_id="1001"),
        update_id="1",
        kind=kind,  # type: ignore[arg-type]
        user_id="1001",
        sent_at=NOW,
        **fields,
    )
    return read(TurnContext(event, session, FakeDeps(), NOW, default_flows(), EngineSettings()))


@pytest.mark.parametrize(("text", "command"), [("/menu", "menu"), ("меню", "menu"), ("Назад", "back")])
def test_a_command_word_typed_is_a_command(text: str, command: str) -> None:
    assert read_event("text", text=text) == CommandGiven(command)


def test_other_text_is_typed_text() -> None:
    assert read_event("text", text="50") == Typed("50")


@pytest.mark.parametrize(
    ("payload", "inbound"),
    [
        ("g:back", CommandGiven("back")),
        ("g:lang:en", CommandGiven("language:en")),
        ("g:go:transfer", GoPressed("transfer", "", "")),
        ("g:go:money_request:pay:r-1", GoPressed("money_request", "pay", "r-1")),
        ("g:launch", NotTaken("common.button_expired")),
    ],
)
def test_a_global_button_is_read_from_its_payload(payload: str, inbound: Inbound) -> None:
    assert read_event("button", button=payload) == inbound


def test_a_scoped_button_of_this_session_is_the_action_it_stored() -> None:
    assert read_event("button", button="s:3:0") == ScopedPressed(OptionAction(option="confirm", at="transfer:confirm"))


@pytest.mark.parametrize(
    "payload",
    ["s:4:0", "s:3:1", "s:3:0:x", "3:0"],
    ids=["a later epoch", "a key never given", "trailing text", "not scoped"],
)
def test_a_scoped_button_this_session_did_not_give_is_no_action(payload: str) -> None:
    assert read_event("button", button=payload) == ScopedPressed(None)


def test_a_scoped_button_of_an_earlier_turn_is_a_finished_steps() -> None:
    assert read_event("button", button="s:2:0") == ScopedPressed(None, finished=True)


def test_an_expired_sessions_buttons_are_no_action() -> None:
    expired = SESSION.model_copy(update={"expires_at": int(NOW.timestamp())})
    assert read_event("button", session=expired, button="s:3:0") == ScopedPressed(None)


def test_start_contact_unsubscribe_and_media_are_read_by_kind() -> None:
    assert read_event("start", referral="ABC123") == Started("ABC123")
    assert read_event("start", welcomed=True) == Started(None, welcomed=True)
    assert read_event("contact", phone="+375291234567", contact_user_id="7") == ContactShared("+375291234567", "7")
    assert read_event("unsubscribed") == Unsubscribed()
    assert read_event("picture", picture_ref="file-1") == NotTaken("common.unsupported")


@pytest.mark.parametrize(
    ("media", "key"),
    [
        ("voice", "common.media"),
        ("audio", "common.media"),
        ("video", "common.media"),
        ("document", "common.media"),
        ("sticker", "common.sticker"),
    ],
)
def test_media_is_not_taken_with_its_own_answer_a_sticker_with_a_lighter_one(media: str, key: str) -> None:
    assert read_event("media", media=media) == NotTaken(key)
