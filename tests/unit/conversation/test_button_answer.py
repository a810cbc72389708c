"""A pressed button is answered at once (Telegram's callback query): before the turn reads its session or
calls anything, and even when the turn then fails, so the button's spinner never hangs."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from messenger_bank.channels.errors import PlatformUnavailable
from messenger_bank.channels.models import ChatRef, InboundEvent, OutboundMessage
from messenger_bank.conversation.service import take_customer_turn
from messenger_bank.conversation.sessions import Session
from tests.unit.conversation.chat import NOW, FakeDeps

PRESS = InboundEvent(
    chat=ChatRef(channel="telegram", chat_id="42"),
    update_id="700000001",
    kind="button",
    user_id="42",
    button="g:menu",
    callback_id="cb-1",
    sent_at=NOW,
)


@dataclass
class FakeOutbox:
    log: list[str]
    refuse_answer: bool = False

    def answer_button(self, event: InboundEvent, text: str | None = None) -> None:
        self.log.append(f"answered {event.callback_id}")
        if self.refuse_answer:
            raise PlatformUnavailable("telegram answer: ReadTimeout")

    def send(self, chat: ChatRef, message: OutboundMessage) -> None:
        self.log.append("reply sent")

    def delete(self, chat: ChatRef, message_id: str) -> bool:
        self.log.append("message deleted")
        return True

    def drop_buttons(self, chat: ChatRef, message_id: str) -> bool:
        self.log.append(f"buttons dropped from {message_id}")
        return True


@dataclass
class FakeSessions:
    log: list[str]
    failure: Exception | None = None
    failure_on: str = ""
    saved: list[Session] = field(default_factory=list)

    def get(self, chat_key: str) -> Session | None:
        self.log.append("session read")
        if self.failure_on == "get" and self.failure:
            raise self.failure
        return None

    def save(self, session: Session) -> Session:
        self.log.append("session saved")
        if self.failure_on == "save" and self.failure:
            raise self.failure
        self.saved.append(session)
        return session


def run(sessions: FakeSessions, outbox: FakeOutbox, event: InboundEvent = PRESS) -> None:
    take_customer_turn(
        event,
        deps=FakeDeps(),
        sessions=sessions,  # type: ignore[arg-type]
        messages=outbox,  # type: ignore[arg-type]
        now=NOW,
    )


def test_the_press_is_answered_before_the_turn_reads_its_session() -> None:
    log: list[str] = []
    run(FakeSessions(log), FakeOutbox(log))
    assert log[0] == "answered cb-1"
    assert log.count("answered cb-1") == 1
    assert log.index("session read") > 0 and "reply sent" in log  # the turn still ran in full


@pytest.mark.parametrize("failing", ["get", "save"])
def test_the_press_is_answered_even_when_the_turn_fails(failing: str) -> None:
    log: list[str] = []
    with pytest.raises(RuntimeError, match="store down"):
        run(FakeSessions(log, RuntimeError("store down"), failing), FakeOutbox(log))
    assert log[0] == "answered cb-1"
    assert "reply sent" not in log


def test_an_answer_the_platform_cannot_take_does_not_stop_the_turn() -> None:
    log: list[str] = []
    run(FakeSessions(log), FakeOutbox(log, refuse_answer=True))
    assert log[0] == "answered cb-1"
    assert "session saved" in log and "reply sent" in log


def test_a_typed_message_has_nothing_to_answer() -> None:
    log: list[str] = []
    typed = PRESS.model_copy(update={"kind": "text", "button": None, "callback_id": None, "text": "menu"})
    run(FakeSessions(log), FakeOutbox(log), typed)
    assert not [entry for entry in log if entry.startswith("answered")]
    assert "reply sent" in log


def test_the_pressed_messages_buttons_go_after_the_answer_is_sent() -> None:
    log: list[str] = []
    old_key = PRESS.model_copy(update={"button": "s:0:0", "button_message_id": "4242"})
    run(FakeSessions(log), FakeOutbox(log), old_key)
    assert log.count("buttons dropped from 4242") == 1
    assert log.index("buttons dropped from 4242") > max(i for i, entry in enumerate(log) if entry == "reply sent")
