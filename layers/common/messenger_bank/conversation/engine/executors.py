"""Running a flow: one executor per step kind, each `(turn, flow, step) -> where next`.

An executor returns the (flow, step) to go on at, or None when the flow is over; a step that waits
for the customer ends the turn (`TurnContext.stop`). `run` follows steps until one waits, at most
`max_steps_per_turn` of them (a loop in a flow file must not spin a Lambda).
"""

from __future__ import annotations

import re
from typing import Any, assert_never

from messenger_bank.conversation import catalogue
from messenger_bank.conversation.engine.boundary import (
    BANK_DOWN,
    DISPUTABLE,
    MENU_FLOW,
    MENU_MAIN,
    MENU_NO_CUSTOMER,
    OUTAGE_DOWN,
    OUTAGE_FLOW,
    OUTAGE_KEY,
    REAUTHENTICATE,
    SESSION_REFUSED,
    SIGN_IN_FLOW,
    SIGN_IN_REAUTH,
    ForgetChat,
    OperationFailed,
    PrepareJourney,
)
from messenger_bank.conversation.engine.context import TurnContext
from messenger_bank.conversation.engine.replies import prompt
from messenger_bank.conversation.engine.state import EntityValue, Position
from messenger_bank.conversation.flows import (
    AskStep,
    BranchStep,
    CallStep,
    ChooseStep,
    EndStep,
    Flow,
    GotoStep,
    ResumeStep,
    SayStep,
    StartJourneyStep,
    Step,
    WaitStep,
)
from messenger_bank.conversation.validation import Invalid, contains_card_number
from messenger_bank.observability import logger
from messenger_bank.security.documents import PASSPORT_NUMBER

Next = tuple[str, str] | None
_PASSPORT_IN_TEXT = re.compile(rf"\b{PASSPORT_NUMBER.pattern}\b")


def enter(
    turn: TurnContext,
    flow_name: str,
    step_id: str | None,
    *,
    fresh: bool,
    entities: dict[str, EntityValue] | None = None,
    ref: str | None = None,
) -> None:
    """Go to a flow's entry (its start unless named); `fresh` leaves the flow in progress behind."""
    flow = turn.flows.flows.get(flow_name)
    if flow is None:
        flow = turn.flows.flows[MENU_FLOW]
        step_id = None
    if fresh:
        turn.start_afresh(flow.flow)
    if entities:
        turn.data.entities = entities
    if ref:
        turn.data.values["ref"] = ref
    if flow.requires_customer and not turn.identify():
        run(turn, MENU_FLOW, MENU_NO_CUSTOMER)
        return
    refused = _refused_while_down(turn, flow)
    if refused is not None:
        run(turn, *refused)
        return
    run(turn, flow.flow, step_id or flow.start)


def reprompt(turn: TurnContext) -> None:
    """Ask the current question again (after input it could not use); the menu if there is none."""
    step = turn.current()
    if step is None or isinstance(step, BranchStep | CallStep | StartJourneyStep | GotoStep | EndStep):
        enter(turn, MENU_FLOW, MENU_MAIN, fresh=True)
        return
    if not (isinstance(step, WaitStep) and step.message is None):  # its journey speaks: nothing to ask again
        prompt(turn, step)
    turn.stop(step)


def run(turn: TurnContext, flow_name: str, step_id: str) -> None:
    flow = turn.flows.flows.get(flow_name)
    if flow is None or flow.step(step_id) is None:
        # a session or button from before a flow file changed: start again from the menu
        logger.warning("step no longer exists", extra={"flow": flow_name, "step": step_id})
        flow, step_id = turn.flows.flows[MENU_FLOW], MENU_MAIN
    for _ in range(turn.settings.max_steps_per_turn):
        step = flow.step(step_id)
        if step is None:
            raise LookupError(f"{flow.flow}: no step {step_id!r}")  # the linter prevents this
        turn.flow, turn.step = flow.flow, step.id
        if step.id == flow.start:  # the flow starts (from the menu, an intent or another flow's goto)
            turn.effects.extend(PrepareJourney(journey) for journey in flow.prepares)
        following = execute(turn, flow, step)
        if following is None:
            return
        next_flow, step_id = following
        flow = turn.flows.flows[next_flow]
    raise RuntimeError(f"{flow.flow}: more than {turn.settings.max_steps_per_turn} steps in one turn")


def execute(turn: TurnContext, flow: Flow, step: Step) -> Next:
    """Do one step with the executor of its kind."""
    match step:
        case SayStep():
            return say(turn, flow, step)
        case AskStep():
            return ask(turn, flow, step)
        case ChooseStep():
            return choose(turn, flow, step)
        case BranchStep():
            return branch(turn, flow, step)
        case CallStep():
            return call(turn, flow, step)
        case StartJourneyStep():
            return start_journey(turn, flow, step)
        case WaitStep():
            return wait(turn, flow, step)
        case GotoStep():
            return goto(turn, flow, step)
        case ResumeStep():
            return resume(turn, flow, step)
        case EndStep():
            return end(turn, flow, step)
    assert_never(step)


# -------------------------------------------------------------- the executors


def say(turn: TurnContext, flow: Flow, step: SayStep) -> Next:
    prompt(turn, step)
    return (flow.flow, step.next) if step.next else turn.stop(step)


def ask(turn: TurnContext, flow: Flow, step: AskStep) -> Next:
    if _messenger_knows_the_phone(turn, step):
        return flow.flow, step.next
    prefilled = _prefill(turn, step)
    if prefilled is not None:
        turn.store(step, prefilled)
        return flow.flow, step.next
    prompt(turn, step)
    return turn.stop(step)


def choose(turn: TurnContext, flow: Flow, step: ChooseStep) -> Next:
    entities = turn.data.entities
    if step.entity and step.entity in entities:
        wanted = entities.pop(step.entity)
        option = next((o for o in step.options if o.id == wanted), None)
        if option is not None:
            if step.into:
                turn.data.values[step.into] = option.id
            return flow.flow, option.next
    if step.options_from is not None:
        items = turn.items(step)
        if not items and step.options_from.empty:
            return flow.flow, step.options_from.empty
        if len(items) == 1 and step.options_from.auto_single and not step.options:
            if step.into:
                turn.data.values[step.into] = items[0]
            return flow.flow, step.options_from.next
    prompt(turn, step)
    return turn.stop(step)


def branch(turn: TurnContext, flow: Flow, step: BranchStep) -> Next:
    return flow.flow, step.cases.get(_case_key(turn.resolve(step.by)), step.default)


def call(turn: TurnContext, flow: Flow, step: CallStep) -> Next:
    here = flow.flow
    payload = {name: turn.resolve(value) for name, value in step.with_.items()}
    if payload.get("customer_id") and not turn.session_token and turn.customer_id:
        turn.open_session()  # a session from before the sign-in zone, or one whose token was dropped
    try:
        result = turn.call(step.operation, payload)
    except OperationFailed as failure:
        logger.info("operation refused", extra={"operation": step.operation, "code": failure.code})
        if failure.code == REAUTHENTICATE and here != SIGN_IN_FLOW and turn.data.resume is None:
            turn.data.resume = Position(flow=here, step=step.id)
            return SIGN_IN_FLOW, SIGN_IN_REAUTH
        if failure.code in SESSION_REFUSED:
            turn.customer_id = turn.session_token = None
            turn.say("session.signed_out")
            turn.data = turn.data.kept()
            return MENU_FLOW, MENU_NO_CUSTOMER
        target = step.errors.get(failure.code) or step.on_error
        if failure.code == BANK_DOWN:
            _note_outage(turn, flow, frozenset(turn.deps.bank_outages()))
            if not step.errors.get(failure.code):
                return OUTAGE_FLOW, OUTAGE_DOWN
        if target:
            turn.data.error = failure.code
            if failure.code in DISPUTABLE:
                turn.disputable = failure.code
            return here, target
        turn.say("common.error")
        turn.flow = turn.step = None
        turn.data = turn.data.kept()
        return MENU_FLOW, MENU_MAIN
    if step.into:
        turn.data.values[step.into] = result
    for key in step.forget:
        turn.data.values.pop(key, None)
    turn.data.sensitive = tuple(k for k in turn.data.sensitive if k not in step.forget)
    if step.sets_customer and result.get("customer_id"):
        turn.customer_id = str(result["customer_id"])
        turn.session_token = str(result["session"]) if result.get("session") else None
    elif step.sets_customer and "customer_id" in result and result["customer_id"] is None:
        turn.customer_id = turn.session_token = None  # this chat's binding was removed: a stranger's now
        if result.get("forget_chat"):  # the customer was forgotten: the session goes after this turn
            turn.effects.append(ForgetChat(turn.event.chat))
    return here, step.next


def start_journey(turn: TurnContext, flow: Flow, step: StartJourneyStep) -> Next:
    payload: dict[str, Any] = {}
    for name, ref in step.input.items():
        # What the customer gave ($data) is checked; the chat's own keys are the platform's ids (a
        # 16-digit Messenger id may pass a Luhn check) and never carry what the customer typed.
        typed = isinstance(ref, str) and ref.startswith("$data.")
        if typed and ref[6:].split(".")[0] in turn.data.sensitive:
            raise ValueError(f"{flow.flow}.{step.id}: journey input {name} would carry personal data")
        value = turn.resolve(ref)
        if typed and isinstance(value, str) and (contains_card_number(value) or _PASSPORT_IN_TEXT.search(value)):
            raise ValueError(f"{flow.flow}.{step.id}: journey input {name} looks like a card or passport")
        payload[name] = value
    turn.data.starts += 1
    # Named after the run and the count, so a replayed turn's start is refused as a duplicate.
    execution = f"{step.journey}-{turn.data.run or 'run'}-{turn.data.starts}"[:80]
    arn = turn.deps.start_journey(step.journey, execution, payload)
    turn.data.values[step.into] = {"execution": execution, "arn": arn}
    return flow.flow, step.next


def wait(turn: TurnContext, flow: Flow, step: WaitStep) -> Next:
    if step.message is not None:
        prompt(turn, step)
    return turn.stop(step)


def goto(turn: TurnContext, flow: Flow, step: GotoStep) -> Next:
    target = turn.flows.flows[step.flow]
    if target.requires_customer and not turn.identify():
        return MENU_FLOW, MENU_NO_CUSTOMER
    refused = _refused_while_down(turn, target)
    if refused is not None:
        return refused
    turn.history = []
    return target.flow, step.step or target.start


def resume(turn: TurnContext, flow: Flow, step: ResumeStep) -> Next:
    """Back to the operation that asked for the password again, with a session that knows it was given."""
    position, turn.data.resume = turn.data.resume, None
    if position is None or not turn.open_session():
        return MENU_FLOW, MENU_MAIN
    target = turn.flows.flows.get(position.flow)
    if target is None or target.step(position.step) is None:
        return MENU_FLOW, MENU_MAIN
    return position.flow, position.step


def end(turn: TurnContext, flow: Flow, step: EndStep) -> Next:
    if step.message:
        turn.say(step.message, **turn.values(step.values))
    turn.forget_the_flow()
    return (MENU_FLOW, MENU_MAIN) if step.menu else None


# -------------------------------------------------------------- a bank system down


def _refused_while_down(turn: TurnContext, flow: Flow) -> Next:
    """The outage message instead of a flow that needs a bank system whose breaker is open: refused at its
    start, before any question or confirmation, so no journey starts that could not finish."""
    if not flow.needs:
        return None
    open_now = frozenset(system for system, opened in turn.deps.bank_outages().items() if opened)
    down = [system for system in flow.needs if system in open_now]
    if not down:
        return None
    logger.info("flow refused: bank system down", extra={"flow": flow.flow, "systems": down})
    _note_outage(turn, flow, frozenset(down))
    return OUTAGE_FLOW, OUTAGE_DOWN


def _note_outage(turn: TurnContext, flow: Flow, failing: frozenset[str]) -> None:
    """Which systems the outage message names: those of the flow's that are failing, else any failing, else
    "the bank's systems" (a failure the breakers have not seen, e.g. of a system without one)."""
    systems: list[str] = [s for s in flow.needs if s in failing] or sorted(failing)
    names = [catalogue.text(f"outage.system.{s}", turn.language) for s in systems] or [
        catalogue.text("outage.system.bank", turn.language)
    ]
    turn.data.values[OUTAGE_KEY] = {"systems": systems, "names": ", ".join(names), "known": bool(systems)}


# -------------------------------------------------------------- what an ask step may know already


def _messenger_knows_the_phone(turn: TurnContext, step: AskStep) -> bool:
    """On WhatsApp the chat is the sender's own number: a phone question answers itself."""
    chat = turn.event.chat
    if not step.accept_contact or chat.channel != "whatsapp" or not chat.chat_id.isdigit():
        return False
    phone = turn.validate(step.validator, step.params, "+" + chat.chat_id)
    if isinstance(phone, Invalid):
        return False
    turn.data.values[step.into] = phone
    if step.verified_into:
        turn.data.values[step.verified_into] = True
    return True


def _prefill(turn: TurnContext, step: AskStep) -> Any:
    """The value the request that started the flow already named (e.g. "send 50 to ..."), if valid."""
    entities = turn.data.entities
    if step.entity is None or step.entity not in entities:
        return None
    raw = entities.pop(step.entity)
    if step.entity == "card_number":
        return raw if step.validator == "card_number" else None
    value = turn.validate(step.validator, step.params, str(raw))
    return None if isinstance(value, Invalid) else value


def _case_key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)
