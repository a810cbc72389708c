"""A button belongs to the step that showed it: pressed after that step is over (an earlier turn, a step
the chat has left, a journey's wait that timed out or ended) it is answered so and changes nothing; on
Telegram the pressed message's buttons are then taken off it."""

from __future__ import annotations

import pytest

from messenger_bank.conversation.catalogue import text
from messenger_bank.conversation.engine import DropButtons, OperationFailed
from tests.unit.conversation.chat import PAN, Chat, customer_deps


def at_transfer_confirmation(**overrides: object) -> Chat:
    chat = Chat(customer_deps(**overrides))
    chat.start()
    chat.press("Перевод")
    chat.say(PAN)
    chat.say("50")
    assert chat.position == ("transfer", "confirm")
    return chat


def confirm_wait(chat: Chat) -> str:
    return f"{chat.deps.journeys[0][1]}:confirm"


def test_confirm_pressed_again_after_the_transfer_was_confirmed_is_a_finished_steps() -> None:
    chat = at_transfer_confirmation()
    confirm = chat.payload("Подтвердить")
    chat.send("button", button=confirm)
    chat.send("button", button=confirm)
    assert chat.said("common.step_finished")
    assert [ref for ref, _ in chat.deps.completed] == [confirm_wait(chat)]
    assert len(chat.deps.journeys) == 1 and chat.position == ("transfer", "sent")


def test_confirm_pressed_after_the_journey_stopped_waiting_moves_nothing_and_shows_the_menu() -> None:
    chat = at_transfer_confirmation()
    chat.deps.gone_waits.add(confirm_wait(chat))  # the confirmation timed out while the chat sat here
    chat.press("Подтвердить")
    assert chat.said("common.step_finished")
    assert chat.deps.completed == [] and len(chat.deps.journeys) == 1
    assert chat.position == ("menu", "main")  # not "sent": nothing is being sent


def test_the_same_confirm_while_the_journey_still_waits_goes_on() -> None:
    chat = at_transfer_confirmation()
    chat.press("Подтвердить")
    assert not chat.said("common.step_finished")
    assert chat.position == ("transfer", "sent")


def test_confirm_typed_after_the_journey_stopped_waiting_says_the_step_is_over() -> None:
    chat = at_transfer_confirmation()
    chat.deps.gone_waits.add(confirm_wait(chat))
    chat.say("да")
    assert chat.said("common.step_over") and not chat.said("common.step_finished")
    assert chat.deps.completed == [] and chat.position == ("menu", "main")


def test_a_code_typed_after_the_journey_stopped_waiting_says_the_step_is_over() -> None:
    quote = {"quote_id": "q1", "fee": "1.00 BYN", "total": "901.00 BYN", "otp_required": True}
    chat = at_transfer_confirmation(quote_transfer=quote)
    chat.press("Подтвердить")
    assert chat.position == ("transfer", "code")
    chat.deps.gone_waits.add(f"{chat.deps.journeys[0][1]}:otp")
    chat.say("654321")
    assert chat.said("common.step_over")
    assert [ref for ref, _ in chat.deps.completed] == [confirm_wait(chat)]  # the confirmation only


def test_any_other_failure_of_the_wait_fails_the_turn_so_it_is_retried() -> None:
    chat = at_transfer_confirmation()

    def broken(token_ref: str, outcome: dict[str, object]) -> None:
        raise OperationFailed("ServiceUnavailable")

    chat.deps.complete_wait = broken  # type: ignore[method-assign]
    with pytest.raises(OperationFailed):
        chat.press("Подтвердить")


def test_a_next_button_of_a_step_the_chat_has_left_is_a_finished_steps() -> None:
    chat = Chat(customer_deps())
    chat.start()
    chat.press("Помощь")
    assert chat.position == ("help", "topics")
    more = chat.payload(text("help.call", "ru"))  # a `next` button (scoped to the step)
    assert chat.session is not None
    # The chat has moved on in the same turn's numbering (as a journey's notice leaves it): same keys.
    chat.session = chat.session.model_copy(update={"flow": "menu", "step": "main"})
    chat.send("button", button=more)
    assert chat.said("common.step_finished")


def test_a_forged_key_is_still_no_longer_active_not_a_finished_step() -> None:
    chat = at_transfer_confirmation()
    chat.send("button", button="s:999:0")
    assert chat.said("common.button_expired") and chat.deps.completed == []


def press_on_message(chat: Chat, payload: str) -> None:
    chat.send("button", button=payload, button_message_id="4242", callback_id="cb")


def test_a_press_takes_the_buttons_off_the_message_of_its_step() -> None:
    chat = at_transfer_confirmation()
    press_on_message(chat, chat.payload("Подтвердить"))
    assert DropButtons(chat.chat, "4242") in chat.last.effects


@pytest.mark.parametrize("payload", ["g:back", "g:cancel"])
def test_back_or_cancel_under_a_question_takes_its_buttons_off(payload: str) -> None:
    chat = Chat(customer_deps())
    chat.start()
    chat.press("Перевод")
    chat.say(PAN)
    assert chat.position == ("transfer", "amount") and payload in [
        b.payload for m in chat.last.replies for row in m.buttons for b in row
    ]
    press_on_message(chat, payload)
    assert DropButtons(chat.chat, "4242") in chat.last.effects


def test_an_old_press_takes_the_buttons_off_its_message_too() -> None:
    chat = at_transfer_confirmation()
    confirm = chat.payload("Подтвердить")
    chat.press("Подтвердить")
    press_on_message(chat, confirm)
    assert DropButtons(chat.chat, "4242") in chat.last.effects


@pytest.mark.parametrize("payload", ["g:go:transfer", "g:menu", "g:help", "g:lang:en"])
def test_a_flows_entry_or_the_menu_stays_on_its_message(payload: str) -> None:
    chat = at_transfer_confirmation()
    press_on_message(chat, payload)
    assert not [effect for effect in chat.last.effects if isinstance(effect, DropButtons)]


def test_a_press_without_the_message_it_came_on_drops_nothing() -> None:
    chat = at_transfer_confirmation()
    chat.press("Подтвердить")  # Viber, WhatsApp, Messenger: no message id comes with a press
    assert not [effect for effect in chat.last.effects if isinstance(effect, DropButtons)]
