"""What the customer's input means at the step that waits for it: an answer to an ask, a choice, a
decision for a journey's wait, or a shared contact. A wrong answer asks again with the reason first,
unless the text is confidently a request for something else.
"""

from __future__ import annotations

from typing import Any

from messenger_bank.conversation import catalogue
from messenger_bank.conversation.engine.boundary import MENU_FLOW, MENU_MAIN, WAIT_GONE, OperationFailed
from messenger_bank.conversation.engine.context import TurnContext
from messenger_bank.conversation.engine.executors import enter, reprompt, run
from messenger_bank.conversation.engine.navigation import confident_elsewhere, route
from messenger_bank.conversation.engine.replies import prompt
from messenger_bank.conversation.flows import AskStep, ChooseStep, Option, Step, WaitStep
from messenger_bank.conversation.validation import Invalid
from messenger_bank.observability import logger
from messenger_bank.signin.phone_proof import contact_proves
from messenger_bank.types import LANGUAGES

# A typed word this long may name an item by the end of its label (the last digits of a card).
_ITEM_SUFFIX_MIN = 4


def answer(turn: TurnContext, step: AskStep, text: str) -> None:
    value = turn.validate(step.validator, step.params, text)
    if isinstance(value, Invalid):
        if confident_elsewhere(turn, text):
            route(turn, text)
            return
        prompt(turn, step, error=value.key, error_values=dict(value.values))
        turn.stop(step)
    turn.store(step, value)
    if step.verified_into:
        turn.data.values[step.verified_into] = False  # typed, so not proven to be the sender's own
    run(turn, turn.flow or MENU_FLOW, step.next)


def contact(turn: TurnContext, step: AskStep, phone: str, contact_user_id: str | None) -> None:
    """A shared contact answers a phone question. It counts as proven only where the messenger vouches
    for it (signin.phone_proof); any other card - a Viber contact, a Telegram address-book card - is
    taken like a typed number, and the flow proves it with a one-time code sent to that number."""
    event = turn.event
    if contact_user_id is not None and contact_user_id != event.user_id:
        prompt(turn, step, error="common.contact_not_own")
        turn.stop(step)
    value = turn.validate(step.validator, step.params, phone)
    if isinstance(value, Invalid):
        prompt(turn, step, error=value.key, error_values=dict(value.values))
        turn.stop(step)
    turn.data.values[step.into] = value
    if step.verified_into:
        turn.data.values[step.verified_into] = contact_proves(
            event.chat.channel,
            sender_id=event.user_id,
            chat_id=event.chat.chat_id,
            phone=str(value),
            contact_user_id=contact_user_id,
        )
    run(turn, turn.flow or MENU_FLOW, step.next)


def answer_wait(turn: TurnContext, step: WaitStep, text: str) -> None:
    """A typed value a journey waits for (e.g. a code): checked, then sent as the task's outcome."""
    assert step.validator is not None and step.next is not None
    value = turn.validate(step.validator, step.params, text)
    if isinstance(value, Invalid):
        prompt(turn, step, error=value.key, error_values=dict(value.values))
        turn.stop(step)
    if not _completed(turn, step, {step.outcome_field: value}):
        return
    run(turn, turn.flow or MENU_FLOW, step.next)


def choose_by_text(turn: TurnContext, step: ChooseStep | WaitStep, text: str) -> None:
    """Typed text for a choice: an option's id, label (any language) or word, an item, or an intent."""
    word = _plain(text)
    for option in step.options:
        labels = {_plain(catalogue.text(option.label, lang)) for lang in LANGUAGES}
        if word == option.id or word in labels or word in {_plain(w) for w in option.words}:
            pick_option(turn, step, option.id)
            return
    if isinstance(step, ChooseStep) and step.options_from is not None:
        for index, item in enumerate(turn.items(step)):
            label = _plain(str(item.get(step.options_from.label, "")))
            if word and (label == word or (len(word) >= _ITEM_SUFFIX_MIN and label.endswith(word))):
                pick_item(turn, step, index)
                return
    understood = turn.understand(text)
    if understood.intent and understood.confidence >= turn.settings.nlu_threshold:
        for option in step.options:
            if understood.intent in option.intents:
                pick_option(turn, step, option.id)
                return
    if confident_elsewhere(turn, text):
        route(turn, text)
        return
    prompt(turn, step, error="common.choose_please")
    turn.stop(step)


def pick_option(turn: TurnContext, step: Step, option_id: str) -> None:
    options: tuple[Option, ...] = getattr(step, "options", ())
    option = next((o for o in options if o.id == option_id), None)
    if option is None:
        turn.say("common.button_expired")
        reprompt(turn)
        return
    if option.language:
        turn.set_language(option.language)
    if isinstance(step, ChooseStep) and step.into:
        turn.data.values[step.into] = option.id
    if isinstance(step, WaitStep) and not _completed(turn, step, dict(option.outcome) or {"decision": option.id}):
        return
    run(turn, turn.flow or MENU_FLOW, option.next)


def _completed(turn: TurnContext, step: WaitStep, outcome: dict[str, Any]) -> bool:
    """Give the journey waiting at `step` the customer's answer. False when it no longer waits (it timed
    out or ended while the chat sat here; the customer got its notice): the answer changes nothing, the
    customer is told the step is over, and the chat leaves the flow for the menu."""
    ref = turn.token_ref(step)
    if not ref:
        return True
    try:
        turn.deps.complete_wait(ref, outcome)
    except OperationFailed as failure:
        if failure.code != WAIT_GONE:
            raise
        logger.info("answer to a wait that is over", extra={"flow": turn.flow, "step": turn.step})
        turn.say("common.step_finished" if turn.event.kind == "button" else "common.step_over")
        enter(turn, MENU_FLOW, MENU_MAIN, fresh=True)
        return False
    return True


def pick_item(turn: TurnContext, step: ChooseStep, index: int) -> None:
    assert step.options_from is not None
    items = turn.items(step)
    if not 0 <= index < len(items):
        turn.say("common.button_expired")
        reprompt(turn)
        return
    if step.into:
        turn.data.values[step.into] = items[index]
    run(turn, turn.flow or MENU_FLOW, step.options_from.next)


def _plain(text: str) -> str:
    """Lower case letters and digits only, single spaces: "✅ Confirm!" and "confirm" compare equal."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.casefold()).split())
