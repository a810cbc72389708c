"""Flows as data: the models of a flow file, the registry of journeys, and the loader.

A flow file (`flows/<name>.yaml`) is a list of steps, each with an `id` and a `type`:

    say            message (+ values, buttons, attachment); `next` continues at once, buttons wait
    ask            a value checked by a validator into `data[into]`; re-asked with the validator's
                   message on bad input; may be filled from an NLU entity; `accept_contact` for phones
    choose         buttons (fixed `options`, or `options_from` a list in the session data); free text
                   is matched to an option by its `words` or NLU `intents`
    branch         on a reference (`$data.x`, `$intent`, `$customer_known`, ...) through `cases`
    call           a named bank operation (messenger_bank/operations.py), result stored in `data[into]`
    start_journey  a named Step Functions journey, input built from references (never raw identity)
    wait           for a journey: buttons whose `outcome` completes the journey's task `task`,
                   a typed value (validator) sent as the outcome, or nothing (the journey talks)
    goto           another flow (its start or a named step)
    end            the flow is over: an optional message, then the main menu

References are strings starting with `$`: `$data.a.b`, `$customer_id`, `$customer_known`,
`$chat_key`, `$channel`, `$user_id`, `$language`, `$intent`. Everything else is a literal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from messenger_bank.conversation.yamlmarks import MarkedDict, MarkedList, line_at, load_marked

PACKAGE_DIR = Path(__file__).parent
FLOWS_DIR = PACKAGE_DIR / "flows"
REGISTRY_FILE = PACKAGE_DIR / "registry.yaml"

StepId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
FlowName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,29}$")]
Command = Literal["menu", "back", "cancel", "help", "person", "language", "language:ru", "language:be", "language:en"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ButtonSpec(_Model):
    """A button of a `say` or `ask` step: exactly one of next / goto / command / url / request_phone."""

    label: str
    next: StepId | None = None
    goto: str | None = Field(default=None, description="flow or flow:step")
    command: Command | None = None
    url: str | None = Field(default=None, description="a reference to a URL in the data, or a literal")
    web_app: bool = False
    request_phone: bool = False

    @model_validator(mode="after")
    def _one_action(self) -> ButtonSpec:
        actions = [self.next, self.goto, self.command, self.url, self.request_phone or None]
        if sum(a is not None for a in actions) != 1:
            raise ValueError("a button needs exactly one of next, goto, command, url, request_phone")
        return self


class Option(_Model):
    """One choice of a `choose` or `wait` step."""

    id: StepId
    label: str
    next: StepId
    intents: tuple[str, ...] = ()
    words: tuple[str, ...] = Field(default=(), description="free-text synonyms, any language")
    confirm: bool = Field(default=False, description="an explicit confirmation (money may move after it)")
    language: Literal["ru", "be", "en"] | None = Field(default=None, description="choosing sets the language")
    outcome: dict[str, Any] = Field(default_factory=dict, description="wait: completes the task with this")


class OptionsFrom(_Model):
    """Buttons built from a list in the session data; the button payload is a session-scoped key."""

    items: str = Field(description="reference to a list of objects, e.g. $data.cards.items")
    label: str = Field(description="the field of each item shown on its button")
    next: StepId
    auto_single: bool = Field(default=True, description="pick the only item without asking")
    empty: StepId | None = Field(default=None, description="where to go when the list is empty")


class Attachment(_Model):
    kind: Literal["picture", "document"]
    url: str
    filename: str | None = None


class _Step(_Model):
    id: StepId
    line: int = Field(default=0, exclude=True)


class _Prompting(_Step):
    message: str
    values: dict[str, Any] = Field(default_factory=dict)


class SayStep(_Prompting):
    type: Literal["say"]
    buttons: tuple[tuple[ButtonSpec, ...], ...] = ()
    attachment: Attachment | None = None
    next: StepId | None = None


class AskStep(_Prompting):
    type: Literal["ask"]
    validator: str
    params: dict[str, Any] = Field(default_factory=dict)
    into: StepId
    entity: Literal["amount", "card_number", "phone", "service"] | None = None
    accept_contact: bool = False
    verified_into: StepId | None = Field(default=None, description="true when a contact of the sender came")
    buttons: tuple[tuple[ButtonSpec, ...], ...] = ()
    next: StepId


class ChooseStep(_Prompting):
    type: Literal["choose"]
    options: tuple[Option, ...] = ()
    options_from: OptionsFrom | None = None
    into: StepId | None = None
    entity: Literal["service"] | None = None
    columns: int = Field(default=1, ge=1, le=3)

    @model_validator(mode="after")
    def _has_options(self) -> ChooseStep:
        if not self.options and self.options_from is None:
            raise ValueError("a choose step needs options or options_from")
        return self


class BranchStep(_Step):
    type: Literal["branch"]
    by: str
    cases: dict[str, StepId] = Field(default_factory=dict)
    default: StepId


class CallStep(_Step):
    type: Literal["call"]
    operation: str
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    into: StepId | None = None
    next: StepId
    errors: dict[str, StepId] = Field(default_factory=dict, description="domain error name → step")
    on_error: StepId | None = None
    forget: tuple[str, ...] = Field(default=(), description="data keys dropped after success")
    sets_customer: bool = False


class StartJourneyStep(_Step):
    type: Literal["start_journey"]
    journey: str
    input: dict[str, Any] = Field(default_factory=dict)
    into: StepId
    next: StepId


class WaitStep(_Step):
    type: Literal["wait"]
    # None: the journey itself tells the customer how it goes (a live receipt it edits as money moves).
    message: str | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    journey: StepId = Field(description="the data key where start_journey stored the execution")
    task: str | None = Field(default=None, description="the journey's task token this wait completes")
    options: tuple[Option, ...] = ()
    validator: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    outcome_field: str = "value"
    next: StepId | None = None

    @model_validator(mode="after")
    def _task_needed(self) -> WaitStep:
        if (self.options or self.validator) and self.task is None:
            raise ValueError("a wait with options or a validator needs the task it completes")
        if self.validator and self.next is None:
            raise ValueError("a wait with a validator needs next")
        if self.message is None and (self.options or self.validator):
            raise ValueError("a wait that asks the customer something needs its message")
        return self


class GotoStep(_Step):
    type: Literal["goto"]
    flow: FlowName
    step: StepId | None = None


class ResumeStep(_Step):
    """Back to the step that was interrupted to ask the customer to prove themself again (sign-in zone)."""

    type: Literal["resume"]


class EndStep(_Step):
    type: Literal["end"]
    message: str | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    menu: bool = True


Step = Annotated[
    SayStep
    | AskStep
    | ChooseStep
    | BranchStep
    | CallStep
    | StartJourneyStep
    | WaitStep
    | GotoStep
    | ResumeStep
    | EndStep,
    Field(discriminator="type"),
]
INTERACTIVE = (AskStep, ChooseStep)


class Flow(_Model):
    flow: FlowName
    title: str
    start: StepId
    intents: dict[str, StepId] = Field(default_factory=dict, description="NLU intent → entry step")
    requires_customer: bool = False
    # The bank systems the flow's journey cannot finish without (banking/breaker.py GUARDED_SYSTEMS): while
    # one's breaker is open the flow is not entered; the outage message is said instead.
    needs: tuple[Literal["core", "passport", "cerberus", "billing"], ...] = ()
    nav: bool = Field(default=True, description="Back / Cancel buttons under questions")
    # Journeys this flow starts whose functions are woken when it starts (journeys.service.prepare): a newcomer
    # types for a minute before confirming, time enough for the journey's cold starts to be behind them.
    prepares: tuple[str, ...] = ()
    steps: tuple[Step, ...]
    path: str = Field(default="", exclude=True)
    line: int = Field(default=0, exclude=True)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    @property
    def entries(self) -> frozenset[str]:
        return frozenset({self.start, *self.intents.values()})


class JourneySpec(_Model):
    input: tuple[str, ...] = ()
    needs_confirmation: bool = False
    confirm_task: str | None = Field(default=None, description="the journey itself waits for this task")
    description: str = ""


class Registry(_Model):
    """The journeys a flow may start (the operations it may call are declared in messenger_bank/operations.py)."""

    journeys: dict[str, JourneySpec]


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class FlowFileError(Exception):
    """A flow file that does not load; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class FlowSet:
    """Every flow of a directory plus the registry, with the raw documents kept for line numbers."""

    flows: dict[str, Flow]
    registry: Registry
    directory: Path
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def flow_for_intent(self, intent: str) -> tuple[Flow, str] | None:
        for flow in self.flows.values():
            if intent in flow.intents:
                return flow, flow.intents[intent]
        return None


def _with_lines(raw: Any) -> Any:
    """Put each step's line into its mapping so the model keeps it."""
    if isinstance(raw, MarkedDict) and isinstance(raw.get("steps"), MarkedList):
        for item in raw["steps"]:
            if isinstance(item, MarkedDict):
                item["line"] = item.line
    return raw


def parse_flow(path: Path) -> tuple[Flow | None, list[Problem], Any]:
    shown = str(path)
    try:
        raw = load_marked(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [Problem(shown, (mark.line + 1) if mark else 1, f"not valid YAML: {exc}")], None
    problems: list[Problem] = []
    if not isinstance(raw, MarkedDict):
        return None, [Problem(shown, 1, "a flow file is a mapping with flow, title, start, steps")], raw
    _collect_duplicate_keys(raw, shown, problems)
    try:
        flow = Flow.model_validate({**_with_lines(raw), "path": shown, "line": raw.line})
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            if error["type"] == "union_tag_invalid":
                loc = (*loc, "type")
            where = ".".join(str(p) for p in loc)
            problems.append(Problem(shown, line_at(raw, loc), f"{where}: {error['msg']}"))
        return None, problems, raw
    if flow.flow != path.stem:
        problems.append(Problem(shown, raw.line_of("flow"), f"flow name {flow.flow!r} differs from the file name"))
    return flow, problems, raw


def _collect_duplicate_keys(node: Any, shown: str, problems: list[Problem]) -> None:
    if isinstance(node, MarkedDict):
        for key, line in node.duplicates:
            problems.append(Problem(shown, line, f"duplicated key {key!r}"))
        for value in node.values():
            _collect_duplicate_keys(value, shown, problems)
    elif isinstance(node, MarkedList):
        for value in node:
            _collect_duplicate_keys(value, shown, problems)


def parse_registry(path: Path) -> tuple[Registry | None, list[Problem]]:
    try:
        raw = load_marked(path)
        return Registry.model_validate(raw), []
    except yaml.YAMLError as exc:
        return None, [Problem(str(path), 1, f"not valid YAML: {exc}")]
    except ValidationError as exc:
        return None, [
            Problem(str(path), line_at(raw, tuple(e["loc"])), f"{'.'.join(map(str, e['loc']))}: {e['msg']}")
            for e in exc.errors()
        ]


def load_flows(directory: Path = FLOWS_DIR, registry_file: Path | None = None) -> FlowSet:
    """Load every `*.yaml` flow of a directory; the registry is `registry.yaml` beside or above it."""
    if registry_file is None:
        beside = directory / "registry.yaml"
        registry_file = beside if beside.exists() else directory.parent / "registry.yaml"
    registry, problems = parse_registry(registry_file)
    flows: dict[str, Flow] = {}
    raws: dict[str, Any] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "registry.yaml":
            continue
        flow, found, raw = parse_flow(path)
        problems.extend(found)
        if flow is not None:
            flows[flow.flow] = flow
            raws[flow.flow] = raw
    if problems or registry is None:
        raise FlowFileError(problems)
    return FlowSet(flows=flows, registry=registry, directory=directory, raw=raws)


@lru_cache(maxsize=1)
def default_flows() -> FlowSet:
    """The flows shipped with the package, loaded once per cold start."""
    return load_flows()
