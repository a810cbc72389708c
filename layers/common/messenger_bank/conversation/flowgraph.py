"""The flows as a graph: every way from one step to the next, for the linter (deployed in the flows' validator)
and the diagrams."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from messenger_bank.conversation.flows import (
    AskStep,
    BranchStep,
    ButtonSpec,
    CallStep,
    ChooseStep,
    EndStep,
    Flow,
    FlowSet,
    GotoStep,
    ResumeStep,
    SayStep,
    StartJourneyStep,
    Step,
    WaitStep,
)

ENGINE_ENTRIES = {
    "menu": ("main", "greeting", "not_understood", "no_customer", "expired", "language"),
    "sign_in": ("reauth",),
    "outage": ("down",),
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str  # a step of the same flow, or "" when `flow` names another flow
    label: str = ""  # a catalogue key (option / button label) or a literal (branch case, error name)
    flow: str = ""  # set for a jump to another flow
    confirm: bool = False  # leaves through an explicit confirmation
    label_is_key: bool = False


def _button_edges(step_id: str, rows: Iterable[Iterable[ButtonSpec]]) -> Iterator[Edge]:
    for row in rows:
        for button in row:
            if button.next:
                yield Edge(step_id, button.next, button.label, label_is_key=True)
            elif button.goto:
                flow, _, target = button.goto.partition(":")
                yield Edge(step_id, target, button.label, flow=flow, label_is_key=True)


def edges(step: Step) -> list[Edge]:
    """Every way out of a step (global commands excepted)."""
    out: list[Edge] = []
    match step:
        case SayStep():
            out.extend(_button_edges(step.id, step.buttons))
            if step.next:
                out.append(Edge(step.id, step.next))
        case AskStep():
            out.extend(_button_edges(step.id, step.buttons))
            out.append(Edge(step.id, step.next))
        case ChooseStep():
            for option in step.options:
                out.append(Edge(step.id, option.next, option.label, confirm=option.confirm, label_is_key=True))
            if step.options_from is not None:
                out.append(Edge(step.id, step.options_from.next, "(item)"))
                if step.options_from.empty:
                    out.append(Edge(step.id, step.options_from.empty, "(none)"))
        case BranchStep():
            for value, target in step.cases.items():
                out.append(Edge(step.id, target, f"= {value}"))
            out.append(Edge(step.id, step.default, "else"))
        case CallStep():
            out.append(Edge(step.id, step.next, "ok"))
            for code, target in step.errors.items():
                out.append(Edge(step.id, target, code))
            if step.on_error:
                out.append(Edge(step.id, step.on_error, "error"))
        case StartJourneyStep():
            out.append(Edge(step.id, step.next))
        case WaitStep():
            for option in step.options:
                out.append(Edge(step.id, option.next, option.label, confirm=option.confirm, label_is_key=True))
            if step.next:
                out.append(Edge(step.id, step.next))
        case GotoStep():
            out.append(Edge(step.id, step.step or "", flow=step.flow))
        case EndStep() | ResumeStep():
            pass
    return out


def has_way_out(step: Step) -> bool:
    """A step the customer cannot leave other than by a global command is a dead end."""
    if isinstance(step, EndStep | GotoStep | ResumeStep):
        return True
    if isinstance(step, WaitStep) and not step.options and not step.validator:
        return True  # the journey talks to the customer; their next message is routed afresh
    if isinstance(step, SayStep):
        commands = any(b.command for row in step.buttons for b in row)
        return bool(edges(step)) or commands
    return bool(edges(step))


def entries(flows: FlowSet, flow: Flow) -> set[str]:
    """Steps a turn may start at: the start, intent entries, engine entries, jumps from elsewhere."""
    found = set(flow.entries) | set(ENGINE_ENTRIES.get(flow.flow, ()))
    for other in flows.flows.values():
        for step in other.steps:
            for edge in edges(step):
                if edge.flow == flow.flow:
                    found.add(edge.target or flow.start)
    return found


def reachable(flow: Flow, starts: Iterable[str], *, skip_confirm: bool = False) -> set[str]:
    ids = {s.id for s in flow.steps}
    seen: set[str] = set()
    queue = deque(s for s in starts if s in ids)
    while queue:
        current = queue.popleft()
        if current in seen:
            continue
        seen.add(current)
        step = flow.step(current)
        assert step is not None
        for edge in edges(step):
            if edge.flow or (skip_confirm and edge.confirm):
                continue
            if edge.target in ids and edge.target not in seen:
                queue.append(edge.target)
    return seen


def layers(flow: Flow, starts: Iterable[str]) -> dict[str, int]:
    """Shortest distance of each step from the entries (unreachable steps come last)."""
    ids = [s.id for s in flow.steps]
    depth: dict[str, int] = {}
    queue = deque((s, 0) for s in [flow.start, *sorted(set(starts) - {flow.start})] if s in ids)
    while queue:
        current, level = queue.popleft()
        if current in depth:
            continue
        depth[current] = level
        step = flow.step(current)
        assert step is not None
        for edge in edges(step):
            if not edge.flow and edge.target in ids and edge.target not in depth:
                queue.append((edge.target, level + 1))
    last = max(depth.values(), default=-1) + 1
    return {s: depth.get(s, last) for s in ids}
