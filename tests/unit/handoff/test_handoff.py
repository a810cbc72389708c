"""A chat handed to a person: queued once with its words redacted, its turns kept only while open, taken by one
operator at a time, answered on the customer's messenger only while the messenger takes a free message, handed
back with the customer told in their language; the queue's length and oldest wait as the alarm reads them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from messenger_bank.channels.models import ChatRef
from messenger_bank.conversation.catalogue import text
from messenger_bank.handoff import service
from messenger_bank.handoff.errors import HandoffNotFound, HandoffNotOpen, WindowClosed
from messenger_bank.handoff.models import TEXT_LIMIT, ChatTurn, handoff_id
from messenger_bank.handoff.settings import HandoffSettings
from tests.unit.handoff.world import NOW, TELEGRAM, WHATSAPP, World


def test_a_chat_handed_over_waits_with_its_words_redacted(world: World) -> None:
    assert world.hand_over(TELEGRAM, "карта 4111 1111 1111 1111, код 123456, паспорт MP1234567")
    [chat] = service.inbox(repository=world.handoffs, now=NOW + timedelta(seconds=42)).chats
    assert (chat.state, chat.reason, chat.waiting_seconds, chat.channel) == ("waiting", "asked", 42, "telegram")
    said = chat.turns[0].text
    assert "411111******1111" in said
    assert "4111 1111" not in said and "123456" not in said and "MP1234567" not in said, said


def test_asked_twice_is_one_chat_in_the_queue(world: World) -> None:
    assert world.hand_over()
    assert not world.hand_over(at=NOW + timedelta(minutes=1))
    [chat] = service.inbox(repository=world.handoffs, now=NOW).chats
    assert chat.since == NOW  # the first wait counts


def test_a_chat_back_with_the_bot_is_handed_over_afresh(world: World) -> None:
    world.hand_over(TELEGRAM, "first")
    world.hand_back("anna")
    assert world.hand_over(TELEGRAM, "second", at=NOW + timedelta(hours=1))
    [chat] = service.inbox(repository=world.handoffs, now=NOW).chats
    assert [turn.text for turn in chat.turns] == ["second"] and chat.taken_by is None


def test_a_turn_is_kept_while_the_chat_is_open_and_not_after(world: World) -> None:
    world.hand_over()
    handoff = service.open_handoff(TELEGRAM.key, repository=world.handoffs)
    assert handoff is not None
    assert service.keep_turn(handoff, "customer", "ещё вопрос", repository=world.handoffs, now=NOW)
    world.hand_back("anna")
    assert service.open_handoff(TELEGRAM.key, repository=world.handoffs) is None
    assert not service.keep_turn(handoff, "customer", "после", repository=world.handoffs, now=NOW)


def test_a_long_wait_keeps_the_latest_turns_and_drops_the_oldest(world: World) -> None:
    world.hand_over(TELEGRAM, "1")
    for n in range(2, 7):
        assert world.handoffs.add_turn(handoff_id(TELEGRAM.key), _turn(str(n)), keep=3)
    kept = world.handoffs.get(handoff_id(TELEGRAM.key))
    assert kept is not None and [turn.text for turn in kept.turns] == ["4", "5", "6"]


def test_a_full_chat_back_with_the_bot_keeps_no_more_turns(world: World) -> None:
    world.hand_over(TELEGRAM, "1", "2")
    world.hand_back("anna")
    assert not world.handoffs.add_turn(handoff_id(TELEGRAM.key), _turn("after"), keep=2)
    kept = world.handoffs.get(handoff_id(TELEGRAM.key))
    assert kept is not None and [turn.text for turn in kept.turns] == ["1", "2"]


def test_the_most_turns_a_chat_may_keep_fit_in_one_dynamodb_item_however_they_are_written(world: World) -> None:
    most = HandoffSettings.model_fields["handoff_turns_kept"].metadata
    keep = next(rule.le for rule in most if hasattr(rule, "le"))
    longest = "😀" * (TEXT_LIMIT + 20)  # four bytes a character, the most a turn's text can weigh
    world.hand_over(TELEGRAM, "1")
    for _ in range(keep + 5):
        assert world.handoffs.add_turn(handoff_id(TELEGRAM.key), _turn(longest), keep=keep)
    kept = world.handoffs.get(handoff_id(TELEGRAM.key))
    assert kept is not None and len(kept.turns) == keep
    # Unbounded, the same chat passes 400 KB and is refused by DynamoDB (moto holds it to that limit too).
    with pytest.raises(ClientError, match="maximum allowed size"):
        world.handoffs.table.update_item(
            Key={"handoff_id": handoff_id(TELEGRAM.key)},
            UpdateExpression="SET turns = list_append(turns, :more)",
            ExpressionAttributeValues={":more": [_turn(longest).model_dump(mode="json")] * 60},
        )


def _turn(text: str) -> ChatTurn:
    return ChatTurn(at=NOW, by="customer", text=text)


def test_one_operator_takes_a_chat_and_another_cannot(world: World) -> None:
    world.hand_over()
    assert world.take("anna").taken_by == "anna"
    assert world.take("anna").state == "with_operator"  # already hers: taken again, nothing changes
    with pytest.raises(HandoffNotOpen):
        world.take("boris")


def test_an_answer_goes_to_the_customers_messenger_and_takes_a_waiting_chat(world: World) -> None:
    world.hand_over()
    handoff = world.answer("anna", words="Здравствуйте, это Анна.")
    assert world.messages.sent == [(TELEGRAM, "Здравствуйте, это Анна.")]
    assert (handoff.state, handoff.taken_by) == ("with_operator", "anna")
    [chat] = service.inbox(repository=world.handoffs, now=NOW).chats
    assert (chat.turns[-1].by, chat.turns[-1].operator) == ("operator", "anna")


def test_an_answer_to_a_chat_another_operator_has_is_refused_and_not_sent(world: World) -> None:
    world.hand_over()
    world.take("anna")
    with pytest.raises(HandoffNotOpen):
        world.answer("boris")
    assert world.messages.sent == []


def test_an_answer_after_the_hand_back_is_refused_and_not_sent(world: World) -> None:
    world.hand_over()
    world.hand_back("anna")
    world.messages.sent.clear()
    with pytest.raises(HandoffNotOpen):
        world.answer("anna")
    assert world.messages.sent == []


def test_an_answer_to_an_unknown_chat_is_not_found(world: World) -> None:
    with pytest.raises(HandoffNotFound):
        world.answer("anna")


def test_whatsapp_takes_the_answer_within_the_customers_24_hour_window(world: World) -> None:
    world.windows.customer_wrote(WHATSAPP.key, NOW)
    world.hand_over(WHATSAPP)
    world.answer("anna", WHATSAPP, at=NOW + timedelta(hours=1))
    assert world.messages.sent == [(WHATSAPP, "Здравствуйте!")]


def test_whatsapp_refuses_the_answer_once_the_window_closed(world: World) -> None:
    world.windows.customer_wrote(WHATSAPP.key, NOW)
    world.hand_over(WHATSAPP)
    with pytest.raises(WindowClosed):
        world.answer("anna", WHATSAPP, at=NOW + timedelta(hours=25))
    assert world.messages.sent == []


@pytest.mark.parametrize("language", ["ru", "be", "en"])
def test_the_customer_is_told_in_their_language_when_handed_back(world: World, language: str) -> None:
    world.hand_over(language=language)
    assert world.hand_back("anna").state == "back_with_bot"
    assert world.messages.sent == [(TELEGRAM, text("handoff.back", language))]
    with pytest.raises(HandoffNotOpen):
        world.hand_back("anna")  # once


def test_a_chat_another_operator_has_is_not_handed_back_by_a_third(world: World) -> None:
    world.hand_over()
    world.take("anna")
    with pytest.raises(HandoffNotOpen):
        world.hand_back("boris")
    assert world.messages.sent == []


def test_the_queue_counts_the_waiting_and_the_oldest_wait(world: World) -> None:
    world.hand_over(TELEGRAM, at=NOW)
    world.hand_over(WHATSAPP, at=NOW + timedelta(minutes=5))
    world.hand_over(ChatRef(channel="viber", chat_id="v1"), at=NOW + timedelta(minutes=6))
    world.take("anna", ChatRef(channel="viber", chat_id="v1"))
    checked = service.check_queue(repository=world.handoffs, now=NOW + timedelta(minutes=10))
    assert (checked.waiting, checked.with_operator, checked.oldest_wait_seconds) == (2, 1, 600)


def test_an_empty_queue_has_no_wait(world: World) -> None:
    checked = service.check_queue(repository=world.handoffs, now=NOW)
    assert (checked.waiting, checked.with_operator, checked.oldest_wait_seconds) == (0, 0, 0)
