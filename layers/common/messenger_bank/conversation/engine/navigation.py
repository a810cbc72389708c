"""Moving around outside a flow's own steps: the global commands (menu, back, cancel, help, language)
and free text that names what the customer wants (an NLU intent leads to the flow for it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from messenger_bank.conversation.engine.boundary import (
    DISPUTE_MINUTES,
    HELP_FLOW,
    MENU_FLOW,
    MENU_LANGUAGE,
    MENU_MAIN,
    MENU_NOT_UNDERSTOOD,
    MISSES_TO_PERSON,
    HandOver,
    OperationFailed,
    UnderstandingLike,
)
from messenger_bank.conversation.engine.context import TurnContext
from messenger_bank.conversation.engine.executors import enter, reprompt, run
from messenger_bank.conversation.engine.state import EntityValue
from messenger_bank.conversation.flows import WaitStep
from messenger_bank.observability import logger
from messenger_bank.security.logging import redact_chat_text
from messenger_bank.types import LANGUAGES

# Intents that mean a command rather than a flow: the intent, and the command it means.
INTENT_COMMANDS = {
    "cancel": "cancel",
    "help": "help",
    "language": "language",
    "operator": "person",
    "dispute": "dispute",
}
COMMAND_INTENTS = tuple(INTENT_COMMANDS)


def command(turn: TurnContext, name: str) -> None:
    """A global command: `menu`, `back`, `cancel`, `help`, `language` or `language:<xx>`."""
    if name.startswith("language:"):
        turn.set_language(name.split(":", 1)[1])
        turn.say("common.language_changed")
        if turn.flow and not (turn.flow == MENU_FLOW and turn.step == MENU_LANGUAGE):
            reprompt(turn)
        else:
            enter(turn, MENU_FLOW, MENU_MAIN, fresh=True)
        return
    if name == "language":
        enter(turn, MENU_FLOW, MENU_LANGUAGE, fresh=False)
        return
    if name == "back":
        back(turn)
        return
    if name == "person":
        hand_over(turn, "asked")
        return
    if name == "dispute":
        dispute(turn)
        return
    leave_wait(turn)
    if name == "cancel":
        turn.say("common.cancelled")
        enter(turn, MENU_FLOW, MENU_MAIN, fresh=True)
    elif name == "help":
        enter(turn, HELP_FLOW, None, fresh=True)
    else:
        enter(turn, MENU_FLOW, MENU_MAIN, fresh=True)


def back(turn: TurnContext) -> None:
    """To the question before this one (the history of the flow), or the menu at the first."""
    here = f"{turn.flow}:{turn.step}"
    while turn.history and turn.history[-1] == here:
        turn.history.pop()
    leave_wait(turn)
    if not turn.history:
        enter(turn, MENU_FLOW, MENU_MAIN, fresh=True)
        return
    flow_name, _, step_id = turn.history.pop().partition(":")
    if flow_name not in turn.flows.flows or turn.flows.flows[flow_name].step(step_id) is None:
        enter(turn, MENU_FLOW, MENU_MAIN, fresh=True)
        return
    run(turn, flow_name, step_id)


def leave_wait(turn: TurnContext) -> None:
    """Leaving a wait for the customer's decision by any other way declines the journey's task."""
    step = turn.current()
    if isinstance(step, WaitStep) and step.task:
        ref = turn.token_ref(step)
        if ref:
            try:
                turn.deps.complete_wait(ref, {"decision": "cancel"})
            except OperationFailed:
                logger.info("wait already closed", extra={"flow": turn.flow, "step": turn.step})


def route(turn: TurnContext, text: str) -> None:
    """Free text at the top level: to the flow for its intent, else what the bot can do (for something the
    bank does not do) or "did not understand" and the menu."""
    understood = turn.understand(text)
    intent = understood.intent if understood.confidence >= turn.settings.nlu_threshold else None
    if turn.language_source in ("default", "hint") and understood.language in LANGUAGES:
        turn.language, turn.language_source = understood.language, "text"
    turn.intent = intent
    if intent in INTENT_COMMANDS:
        command(turn, INTENT_COMMANDS[str(intent)])
        return
    target = turn.flows.flow_for_intent(intent) if intent else None
    if target is None and intent is None and understood.out_of_scope:
        # News, sports, small talk: said kindly, followed by what the bot can do (the help topics).
        leave_wait(turn)
        turn.say("common.out_of_scope")
        enter(turn, HELP_FLOW, None, fresh=True)
        return
    if target is None:
        missed(turn, text)
        return
    flow, step_id = target
    leave_wait(turn)
    enter(turn, flow.flow, step_id, fresh=True, entities=_entities(turn, understood))


def hand_over(turn: TurnContext, reason: str, said: tuple[str, ...] = (), refusal: str | None = None) -> None:
    """The chat to a person: the customer is told they wait for one; the bot is silent until handed back. A
    journey's wait stays where it is (its journey runs on and its buttons still work); any other step is left."""
    turn.effects.append(HandOver(turn.event.chat, reason, said, refusal))
    turn.data.values.pop("missed", None)
    turn.data.values.pop("refused", None)
    if not isinstance(turn.current(), WaitStep):
        turn.forget_the_flow()
    turn.say("handoff.waiting")


def missed(turn: TurnContext, text: str) -> None:
    """Not understood: "did not understand" and the menu; the second time in a row, a person."""
    said = [*_missed_so_far(turn), redact_chat_text(text)[:500]]
    turn.missed = True
    if len(said) >= MISSES_TO_PERSON:
        leave_wait(turn)
        turn.say("handoff.not_understood")
        hand_over(turn, "not_understood", tuple(said[-MISSES_TO_PERSON:]))
        return
    turn.data.values["missed"] = said  # kept by the menu's fresh start (a persistent key)
    enter(turn, MENU_FLOW, MENU_NOT_UNDERSTOOD, fresh=True)


def _missed_so_far(turn: TurnContext) -> list[str]:
    earlier = turn.data.values.get("missed")
    return [str(line) for line in earlier] if isinstance(earlier, list) else []


def dispute(turn: TurnContext) -> None:
    """ "That's wrong" after a disputable refusal (the button under it, or the words): the refusal to a person.
    With no recent refusal, the customer still gets a person (asked)."""
    refused = turn.data.values.get("refused")
    code, at = (refused.get("code"), refused.get("at")) if isinstance(refused, dict) else (None, None)
    recent = isinstance(at, str) and datetime.fromisoformat(at) > turn.now - timedelta(minutes=DISPUTE_MINUTES)
    if isinstance(code, str) and recent:
        hand_over(turn, "disputed", refusal=code)
    else:
        hand_over(turn, "asked")


def confident_elsewhere(turn: TurnContext, text: str) -> bool:
    """True when a wrong answer is really a request for something else (or a command)."""
    understood = turn.understand(text)
    if understood.confidence < turn.settings.nlu_threshold or understood.intent is None:
        return False
    if understood.intent in INTENT_COMMANDS:
        return True
    target = turn.flows.flow_for_intent(understood.intent)
    return target is not None and target[0].flow != turn.flow


def _entities(turn: TurnContext, understood: UnderstandingLike) -> dict[str, EntityValue]:
    """The first entity of each type; a card number is kept only as its token and mask."""
    found: dict[str, EntityValue] = {}
    for entity in understood.entities:
        if entity.type in found:
            continue
        if entity.type == "card_number":
            token, mask = turn.deps.tokenise_card(entity.value)
            found["card_number"] = {"token": token, "mask": mask}
        else:
            found[entity.type] = entity.value
    return found
