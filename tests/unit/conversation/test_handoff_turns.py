"""The conversation hands a chat to a person: asked (in words, by the command), after two top-level misses in a
row (not after two misses with an understood turn between them), and when a disputable refusal is disputed (its
Dispute button; a refusal that is not disputable gets none). While a person has the chat the conversation keeps
the customer's turns for the operator and answers nothing, but a press on a running journey's wait still runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.channels.models import ChatRef, InboundEvent, OutboundMessage
from messenger_bank.conversation.catalogue import text
from messenger_bank.conversation.engine import HandOver
from messenger_bank.conversation.service import take_customer_turn
from messenger_bank.conversation.sessions import Session
from messenger_bank.handoff import service as handoff
from messenger_bank.handoff.repository import HandoffsRepository
from tests.support.aws import create_table
from tests.unit.conversation.chat import NOW, Chat, FakeDeps, customer_deps, refused


def handed_over(chat: Chat) -> list[HandOver]:
    return [effect for effect in chat.last.effects if isinstance(effect, HandOver)]


def test_the_person_command_hands_the_chat_over() -> None:
    chat = Chat(customer_deps())
    chat.start()
    chat.say("оператор")
    assert chat.said("handoff.waiting")
    assert [effect.reason for effect in handed_over(chat)] == ["asked"]


def test_a_second_miss_in_a_row_hands_the_chat_over_with_both_texts_redacted() -> None:
    chat = Chat(customer_deps())
    chat.start()
    chat.say("абырвалг")
    assert chat.said("menu.not_understood") and handed_over(chat) == []
    chat.say("карта 4111 1111 1111 1111 глючит")
    assert chat.said("handoff.not_understood") and chat.said("handoff.waiting")
    [effect] = handed_over(chat)
    assert effect.reason == "not_understood"
    assert effect.said[0] == "абырвалг" and "411111******1111" in effect.said[1] and "4111 1111" not in effect.said[1]


def test_an_understood_turn_between_two_misses_starts_the_count_again() -> None:
    chat = Chat(customer_deps())
    chat.start()
    chat.say("абырвалг")
    chat.press_key("menu.help")
    chat.say("абырвалг")
    assert chat.said("menu.not_understood") and handed_over(chat) == []


def test_misses_a_session_apart_are_not_in_a_row() -> None:
    chat = Chat(customer_deps())
    chat.start()
    chat.say("абырвалг")
    chat.now += timedelta(days=1)  # the session has expired since
    chat.say("абырвалг")
    assert handed_over(chat) == []


def at_unblock_confirmation(deps: FakeDeps) -> Chat:
    chat = Chat(deps)
    chat.start()
    chat.press_key("menu.card")
    chat.press_key("card_services.unblock")
    return chat


def test_a_disputable_refusal_gets_a_dispute_button_and_the_press_hands_it_over() -> None:
    chat = at_unblock_confirmation(customer_deps(unblock_card=refused("OperationRejected")))
    chat.press_key("common.confirm")
    assert chat.said("card_services.cannot_unblock") and chat.said("handoff.dispute_offer")
    chat.press_key("handoff.dispute")
    assert chat.said("handoff.waiting")
    [effect] = handed_over(chat)
    assert (effect.reason, effect.refusal) == ("disputed", "OperationRejected")


def test_that_is_wrong_in_words_disputes_the_last_refusal() -> None:
    deps = customer_deps(unblock_card=refused("OperationRejected"))
    deps.nlu.teach("это ошибка", "dispute")
    chat = at_unblock_confirmation(deps)
    chat.press_key("common.confirm")
    chat.say("это ошибка")
    [effect] = handed_over(chat)
    assert (effect.reason, effect.refusal) == ("disputed", "OperationRejected")


def test_a_refusal_long_past_is_not_disputed_but_the_customer_still_gets_a_person() -> None:
    deps = customer_deps(unblock_card=refused("OperationRejected"))
    deps.nlu.teach("это ошибка", "dispute")
    chat = at_unblock_confirmation(deps)
    chat.press_key("common.confirm")
    chat.now += timedelta(hours=1)
    chat.say("это ошибка")
    [effect] = handed_over(chat)
    assert (effect.reason, effect.refusal) == ("asked", None)


def test_a_refusal_that_is_not_disputable_gets_no_dispute_button() -> None:
    chat = at_unblock_confirmation(customer_deps(unblock_card=refused("SessionInvalid")))
    chat.press_key("common.confirm")
    assert not chat.said("handoff.dispute_offer")


# ------------------------------------------------------------------ the conversation Lambda's side
@dataclass
class Outbox:
    sent: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def answer_button(self, event: InboundEvent, text: str | None = None) -> None:
        pass

    def send(self, chat: ChatRef, message: OutboundMessage) -> None:
        self.sent.append(message.text)

    def delete(self, chat: ChatRef, message_id: str) -> bool:
        self.deleted.append(message_id)
        return True

    def drop_buttons(self, chat: ChatRef, message_id: str) -> bool:
        return True


@dataclass
class Sessions:
    session: Session | None = None
    saved: int = 0

    def get(self, chat_key: str) -> Session | None:
        return self.session

    def save(self, session: Session) -> None:
        self.saved += 1
        self.session = session.model_copy(update={"version": session.version + 1})


CHAT = ChatRef(channel="telegram", chat_id="1001")


def event(n: int, **fields: Any) -> InboundEvent:
    kind = "button" if "button" in fields else "text"
    return InboundEvent(
        chat=CHAT, update_id=str(n), kind=kind, user_id="1001", message_id=f"m{n}", sent_at=NOW, **fields
    )


@pytest.fixture
def handoffs(monkeypatch: pytest.MonkeyPatch) -> Iterator[HandoffsRepository]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        yield HandoffsRepository(
            boto3.resource("dynamodb").Table(create_table(boto3.client("dynamodb"), "HandoffsTable"))
        )


def turn(
    n: int, handoffs: HandoffsRepository, sessions: Sessions, outbox: Outbox, deps: FakeDeps, **fields: Any
) -> None:
    take_customer_turn(
        event(n, **fields),
        deps=deps,
        sessions=sessions,
        messages=outbox,
        now=NOW,
        handoffs=handoffs,  # type: ignore[arg-type]
    )


def test_asked_for_a_person_the_chat_is_queued_and_the_bot_goes_silent(handoffs: HandoffsRepository) -> None:
    sessions, outbox, deps = Sessions(), Outbox(), customer_deps()
    turn(1, handoffs, sessions, outbox, deps, text="оператор")
    assert outbox.sent[-1] == text("handoff.waiting", "ru")
    assert handoff.open_handoff(CHAT.key, repository=handoffs) is not None
    said, saves = len(outbox.sent), sessions.saved

    turn(2, handoffs, sessions, outbox, deps, text="моя карта 4111 1111 1111 1111")
    assert len(outbox.sent) == said and sessions.saved == saves  # not answered, no turn taken
    assert outbox.deleted == ["m2"]  # the card number leaves the chat as the bot would make it
    stored = handoffs.table.get_item(Key={"handoff_id": handoff.handoff_id(CHAT.key)})["Item"]
    assert stored["turns"][-1]["text"] == "моя карта 411111******1111"  # kept masked, not only shown so


def test_handed_back_the_bot_answers_again(handoffs: HandoffsRepository) -> None:
    sessions, outbox, deps = Sessions(), Outbox(), customer_deps()
    turn(1, handoffs, sessions, outbox, deps, text="оператор")
    handoff.hand_back("anna", handoff.handoff_id(CHAT.key), messages=outbox, repository=handoffs)  # type: ignore[arg-type]
    said = len(outbox.sent)
    turn(2, handoffs, sessions, outbox, deps, text="помощь")
    assert outbox.sent[said:][-1].startswith(text("help.topics", "ru")[:40])


def test_a_press_on_a_running_journeys_wait_still_reaches_the_journey(handoffs: HandoffsRepository) -> None:
    sessions, outbox, deps = Sessions(), Outbox(), customer_deps()
    transfer = Chat(deps)
    transfer.start()
    transfer.press_key("menu.transfer")
    transfer.say("4111111111111111")
    transfer.say("50")
    assert transfer.position == ("transfer", "confirm")  # a journey's wait for the customer's decision
    confirm = transfer.payload(text("common.confirm", "ru"))
    sessions.session = transfer.session
    handoff.hand_over(CHAT, language="ru", customer_id="cus_1", reason="asked", repository=handoffs, now=NOW)
    turn(9, handoffs, sessions, outbox, deps, button=confirm)
    assert [ref for ref, _ in deps.completed]  # the journey got the decision
