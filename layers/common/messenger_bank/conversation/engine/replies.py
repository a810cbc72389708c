"""A step's message as the customer sees it: text in the chat's language, its buttons, its attachment.

Buttons that only make sense in this session and at this step get a session-scoped payload
(`s:<epoch>:<n>`) whose action, naming the step, is kept in the session (`state.ButtonAction`); buttons to a
flow's entry or a global command carry a global payload (`g:...`) that is valid in any session.
"""

from __future__ import annotations

from messenger_bank.channels.models import Attachment, Button, OutboundMessage
from messenger_bank.conversation import catalogue
from messenger_bank.conversation.engine.context import TurnContext
from messenger_bank.conversation.engine.state import ButtonAction, GotoAction, ItemAction, NextAction, OptionAction
from messenger_bank.conversation.flows import AskStep, ButtonSpec, ChooseStep, Option, SayStep, Step, WaitStep

LABEL_LIMIT = 64  # the shortest button label the platforms accept


def prompt(
    turn: TurnContext, step: Step, *, error: str | None = None, error_values: dict[str, str] | None = None
) -> None:
    """Send the step's message; after a wrong answer, the validator's reason comes first."""
    message: str = getattr(step, "message", "")
    body = catalogue.text(message, turn.language, **turn.values(getattr(step, "values", {})))
    if error:
        body = catalogue.text(error, turn.language, **(error_values or {})) + "\n\n" + body
    rows: list[tuple[Button, ...]] = []
    if isinstance(step, SayStep | AskStep):
        for row in step.buttons:
            buttons = tuple(b for b in (_button(turn, step, spec) for spec in row) if b is not None)
            if buttons:
                rows.append(buttons)
    if isinstance(step, ChooseStep | WaitStep):
        choices = [_option_button(turn, step, o) for o in step.options]
        if isinstance(step, ChooseStep) and step.options_from is not None:
            for index, item in enumerate(turn.items(step)):
                label = str(item.get(step.options_from.label, "?"))[:LABEL_LIMIT] or "?"
                choices.append(_scoped(turn, label, ItemAction(index=index, at=turn.here(step))))
        width = step.columns if isinstance(step, ChooseStep) else 2
        rows.extend(tuple(choices[i : i + width]) for i in range(0, len(choices), width))
    flow = turn.flows.flows.get(turn.flow or "")
    if flow is not None and flow.nav and isinstance(step, AskStep | ChooseStep):
        rows.append(
            (
                Button(label=catalogue.text("nav.back", turn.language), payload="g:back"),
                Button(label=catalogue.text("nav.cancel", turn.language), payload="g:cancel"),
            )
        )
    attachment = None
    if isinstance(step, SayStep) and step.attachment is not None:
        url = turn.resolve(step.attachment.url)
        if isinstance(url, str) and url:
            attachment = Attachment(kind=step.attachment.kind, url=url, filename=step.attachment.filename)
    turn.replies.append(OutboundMessage(text=body, buttons=tuple(rows), attachment=attachment))


def _scoped(turn: TurnContext, label: str, action: ButtonAction) -> Button:
    key = str(len(turn.buttons))
    turn.buttons[key] = action.model_dump()
    return Button(label=label, payload=f"s:{turn.epoch}:{key}")


def _option_button(turn: TurnContext, step: Step, option: Option) -> Button:
    label = catalogue.text(option.label, turn.language)[:LABEL_LIMIT]
    return _scoped(turn, label, OptionAction(option=option.id, at=turn.here(step)))


def _button(turn: TurnContext, step: Step, spec: ButtonSpec) -> Button | None:
    label = catalogue.text(spec.label, turn.language)[:LABEL_LIMIT]
    if spec.url is not None:
        url = turn.resolve(spec.url)
        return Button(label=label, url=str(url), web_app=spec.web_app) if url else None
    if spec.request_phone:
        return Button(label=label, request_phone=True)
    if spec.command is not None:
        payload = "g:lang:" + spec.command[9:] if spec.command.startswith("language:") else "g:" + spec.command
        return Button(label=label, payload=payload)
    if spec.goto is not None:
        flow_name, _, step_id = spec.goto.partition(":")
        target = turn.flows.flows.get(flow_name)
        if target is not None and (not step_id or step_id in target.entries):
            return Button(label=label, payload=f"g:go:{spec.goto}")
        return _scoped(turn, label, GotoAction(flow=flow_name, step=step_id or None, at=turn.here(step)))
    assert spec.next is not None  # ButtonSpec allows exactly one action
    return _scoped(turn, label, NextAction(flow=turn.flow or "", step=spec.next, at=turn.here(step)))
