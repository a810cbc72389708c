"""The flow linter (`python -m local.devtools.lint [FLOWS_DIR]` runs it; so does the flows' validator Lambda
before a published flow reaches customers, which is why it lives in the layer).

`lint_flows` gives a `file:line: message` problem for each defect. It checks: the files
load (YAML, schema, duplicated keys, duplicated step ids), every step reference, goto and button
target exists, no step is unreachable, no step is a dead end, every message and label key exists in
every language and gets a value for each placeholder, an operation is declared (messenger_bank/
operations.py) and gets its request model's fields (every required one, no other, a literal value of
the field's type) and names only errors it declares, journeys are declared in registry.yaml with
exactly their fields, validators and their parameters exist, references to the
session data name something the flow stores, identity values never go into a journey's input,
intents are known and routed once, a flow prepares only journeys it starts, and nothing that moves
money is reachable without an explicit confirmation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from messenger_bank.conversation import catalogue as catalogue_module
from messenger_bank.conversation.engine import ENGINE_KEYS, FIND_CUSTOMER, OUTAGE_KEY, PERSISTENT_KEYS
from messenger_bank.conversation.flowgraph import ENGINE_ENTRIES, edges, entries, has_way_out, reachable
from messenger_bank.conversation.flows import (
    FLOWS_DIR,
    AskStep,
    ButtonSpec,
    CallStep,
    ChooseStep,
    Flow,
    FlowFileError,
    FlowSet,
    GotoStep,
    Problem,
    StartJourneyStep,
    Step,
    WaitStep,
    load_flows,
)
from messenger_bank.conversation.nlu.models import INTENTS
from messenger_bank.conversation.validation import SENSITIVE_VALIDATORS, VALIDATOR_PARAMS, VALIDATORS
from messenger_bank.conversation.yamlmarks import MarkedDict, MarkedList
from messenger_bank.operations import OPERATIONS, Operation
from messenger_bank.types import LANGUAGES

KNOWN_INTENTS = frozenset(INTENTS)  # what the NLU model is trained on
GLOBAL_INTENTS = frozenset({"cancel", "language", "operator", "dispute"})  # handled by the engine itself
SIMPLE_REFS = frozenset({"customer_id", "customer_known", "chat_key", "channel", "user_id", "language", "intent"})
# `ref`: what a `g:go:<flow>:<step>:<ref>` button carries (engine.py); OUTAGE_KEY: the systems down, set by
# the engine when a bank operation fails with BankSystemUnavailable (flows/outage.yaml)
ENGINE_DATA = frozenset({"_error", "_entities", "_run", "ref", OUTAGE_KEY})
MAX_PAYLOAD = 64


class _Linter:
    def __init__(
        self, flows: FlowSet, messages: dict[str, dict[str, str]], operations: Mapping[str, Operation[Any, Any]]
    ) -> None:
        self.flows = flows
        self.messages = messages
        self.operations = operations
        self.problems: list[Problem] = []

    # ---- where
    def _raw_step(self, flow: Flow, step: Step) -> Any:
        raw = self.flows.raw.get(flow.flow)
        for item in raw.get("steps", []) if raw else []:
            if getattr(item, "get", None) and item.get("id") == step.id:
                return item
        return None

    def _line(self, flow: Flow, step: Step | None = None, key: str | None = None) -> int:
        if step is None:
            raw = self.flows.raw.get(flow.flow)
            return raw.line_of(key) if raw is not None and key else flow.line
        raw_step = self._raw_step(flow, step)
        if raw_step is not None and key is not None:
            return int(raw_step.line_of(key))
        return step.line

    def report(self, flow: Flow, step: Step | None, key: str | None, message: str, *, value: Any = None) -> None:
        """Report at the line of `key` in the step (or the flow), or of the scalar `value` inside it."""
        line = self._line(flow, step, key)
        if value is not None:
            node = self._raw_step(flow, step) if step is not None else self.flows.raw.get(flow.flow)
            line = _line_of_value(node, value, key) or line
        self.problems.append(Problem(flow.path, line, message))

    # ---- the checks
    def run(self) -> list[Problem]:
        self._check_engine_contract()
        seen_intents: dict[str, str] = {}
        for flow in self.flows.flows.values():
            self._check_ids(flow)
            self._check_flow(flow, seen_intents)
            for step in flow.steps:
                self._check_step(flow, step)
            self._check_reachable(flow)
            self._check_stored_before_use(flow)
            self._check_money(flow)
        return sorted(self.problems, key=lambda p: (p.path, p.line, p.message))

    def _check_engine_contract(self) -> None:
        menu = self.flows.flows.get("menu")
        if menu is None:
            path = str(self.flows.directory / "menu.yaml")
            self.problems.append(Problem(path, 1, "the menu flow is missing"))
        else:
            for step_id in ENGINE_ENTRIES["menu"]:
                if menu.step(step_id) is None:
                    self.report(menu, None, "steps", f"the engine needs step {step_id!r} in the menu flow")
        if "help" not in self.flows.flows:
            self.problems.append(Problem(str(self.flows.directory / "help.yaml"), 1, "the help flow is missing"))
        needs_customer = any(f.requires_customer for f in self.flows.flows.values())
        if needs_customer and FIND_CUSTOMER not in self.operations:
            self.problems.append(Problem(str(self.flows.directory), 1, f"operation {FIND_CUSTOMER} not declared"))
        for key in ENGINE_KEYS:
            self._check_key_exists(None, None, None, key)

    def _check_ids(self, flow: Flow) -> None:
        seen: set[str] = set()
        for step in flow.steps:
            if step.id in seen:
                self.report(flow, step, "id", f"duplicated step id {step.id!r}")
            seen.add(step.id)

    def _check_flow(self, flow: Flow, seen_intents: dict[str, str]) -> None:
        if flow.step(flow.start) is None:
            self.report(flow, None, "start", f"start: unknown step {flow.start!r}")
        self._check_key(flow, None, "title", flow.title, {})
        started = {step.journey for step in flow.steps if isinstance(step, StartJourneyStep)}
        for journey in flow.prepares:
            if journey not in started:
                self.report(flow, None, "prepares", f"prepares {journey!r}, which the flow does not start")
        raw = self.flows.raw.get(flow.flow)
        raw_intents = raw.get("intents") if raw is not None else None
        for intent, step_id in flow.intents.items():
            line = raw_intents.line_of(intent) if isinstance(raw_intents, MarkedDict) else flow.line
            if intent not in KNOWN_INTENTS:
                self.problems.append(Problem(flow.path, line, f"unknown intent {intent!r}"))
            elif intent in GLOBAL_INTENTS:
                self.problems.append(Problem(flow.path, line, f"intent {intent!r} is handled by the engine everywhere"))
            if intent in seen_intents:
                self.problems.append(
                    Problem(flow.path, line, f"intent {intent!r} already routed to {seen_intents[intent]}")
                )
            seen_intents[intent] = flow.flow
            if flow.step(step_id) is None:
                self.problems.append(Problem(flow.path, line, f"intent {intent!r}: unknown step {step_id!r}"))

    def _check_step(self, flow: Flow, step: Step) -> None:
        ids = {s.id for s in flow.steps}
        for edge in edges(step):
            if edge.flow:
                self._check_jump(flow, step, edge.flow, edge.target)
            elif edge.target not in ids:
                self.report(flow, step, None, f"step {step.id!r}: unknown step {edge.target!r}", value=edge.target)
        if not has_way_out(step):
            self.report(flow, step, None, f"step {step.id!r} is a dead end: no next, no button, not an end")
        message = getattr(step, "message", None)
        if message:
            self._check_key(flow, step, "message", message, getattr(step, "values", {}))
        for value in getattr(step, "values", {}).values():
            self._check_ref(flow, step, "values", value)
        for row in getattr(step, "buttons", ()):
            for button in row:
                self._check_button(flow, step, button)
        for option in getattr(step, "options", ()):
            self._check_key(flow, step, "options", option.label, {})
        match step:
            case AskStep():
                self._check_validator(flow, step, step.validator, step.params)
                if step.accept_contact and step.validator != "phone":
                    self.report(flow, step, "accept_contact", "accept_contact needs the phone validator")
            case WaitStep():
                if step.validator:
                    self._check_validator(flow, step, step.validator, step.params)
                starters = {s.into for s in flow.steps if isinstance(s, StartJourneyStep)}
                if step.journey not in starters:
                    self.report(flow, step, "journey", f"wait: no start_journey stores into {step.journey!r}")
            case ChooseStep():
                if step.options_from is not None:
                    self._check_ref(flow, step, "options_from", step.options_from.items)
            case CallStep():
                self._check_call(flow, step)
            case StartJourneyStep():
                self._check_start(flow, step)
            case _:
                by = getattr(step, "by", None)
                if by is not None:
                    self._check_ref(flow, step, "by", by)

    def _check_jump(self, flow: Flow, step: Step, target_flow: str, target_step: str) -> None:
        other = self.flows.flows.get(target_flow)
        if other is None:
            self.report(flow, step, None, f"step {step.id!r}: unknown flow {target_flow!r}", value=target_flow)
        elif target_step and other.step(target_step) is None:
            self.report(
                flow,
                step,
                None,
                f"step {step.id!r}: flow {target_flow!r} has no step {target_step!r}",
                value=target_step,
            )

    def _check_button(self, flow: Flow, step: Step, button: ButtonSpec) -> None:
        self._check_key(flow, step, "buttons", button.label, {})
        if button.url:
            self._check_ref(flow, step, "buttons", button.url)
        if button.goto and len(f"g:go:{button.goto}".encode()) > MAX_PAYLOAD:
            self.report(flow, step, "buttons", f"button payload for {button.goto!r} exceeds {MAX_PAYLOAD} bytes")

    def _check_key(self, flow: Flow, step: Step | None, field: str, key: str, values: dict[str, Any]) -> None:
        if not self._check_key_exists(flow, step, field, key):
            return
        wanted = catalogue_module.placeholders(self.messages["en"][key])
        for name in sorted(wanted - set(values)):
            self.report(flow, step, field, f"{key}: placeholder {{{name}}} gets no value")
        for name in sorted(set(values) - wanted):
            self.report(flow, step, "values", f"{key}: has no placeholder {{{name}}}")

    def _check_key_exists(self, flow: Flow | None, step: Step | None, field: str | None, key: str) -> bool:
        missing = [language for language in LANGUAGES if key not in self.messages.get(language, {})]
        for language in missing:
            if flow is None:
                self.problems.append(Problem(f"catalogue/{language}.yaml", 1, f"missing key {key!r}"))
            else:
                self.report(flow, step, field, f"{key!r} has no {language} translation")
        return not missing

    def _check_validator(self, flow: Flow, step: Step, name: str, params: dict[str, Any]) -> None:
        if name not in VALIDATORS:
            self.report(flow, step, "validator", f"unknown validator {name!r} (known: {', '.join(VALIDATORS)})")
            return
        unknown = set(params) - VALIDATOR_PARAMS.get(name, frozenset())
        if unknown:
            self.report(flow, step, "params", f"validator {name!r} has no parameter {', '.join(sorted(unknown))}")

    def _check_fields(
        self, flow: Flow, step: Step, key: str, what: str, given: set[str], required: set[str], allowed: set[str]
    ) -> None:
        for name in sorted(required - given):
            self.report(flow, step, key, f"{what}: missing field {name!r}")
        for name in sorted(given - allowed):
            self.report(flow, step, key, f"{what}: undeclared field {name!r}")

    def _check_call(self, flow: Flow, step: CallStep) -> None:
        contract = self.operations.get(step.operation)
        if contract is None:
            self.report(flow, step, "operation", f"undefined operation {step.operation!r}")
        else:
            what = f"operation {step.operation}"
            given = set(step.with_)
            self._check_fields(flow, step, "with", what, given, set(contract.required_fields), set(contract.fields))
            for name, value in step.with_.items():
                if name in contract.fields and not (isinstance(value, str) and value.startswith("$")):
                    self._check_literal(flow, step, what, contract, name, value)
            for error in step.errors:
                if error not in contract.refusals:
                    self.report(flow, step, "errors", f"{what} never fails with {error!r}", value=step.errors[error])
        for value in step.with_.values():
            self._check_ref(flow, step, "with", value)

    def _check_literal(
        self, flow: Flow, step: CallStep, what: str, contract: Operation[Any, Any], name: str, value: Any
    ) -> None:
        field = contract.request.model_fields[name]
        try:
            TypeAdapter(Annotated[field.annotation, field]).validate_python(value)
        except ValidationError as refused:
            message = refused.errors()[0]["msg"]
            self.report(flow, step, "with", f"{what}: {name}={value!r} is refused: {message}", value=value)

    def _check_start(self, flow: Flow, step: StartJourneyStep) -> None:
        spec = self.flows.registry.journeys.get(step.journey)
        if spec is None:
            self.report(flow, step, "journey", f"undefined journey {step.journey!r}")
        else:
            given, declared = set(step.input), set(spec.input)
            self._check_fields(flow, step, "input", f"journey {step.journey}", given, declared, declared)
        sensitive = {s.into for s in flow.steps if isinstance(s, AskStep) and s.validator in SENSITIVE_VALIDATORS}
        for name, value in step.input.items():
            self._check_ref(flow, step, "input", value)
            if isinstance(value, str) and value.startswith("$data."):
                root = value.removeprefix("$data.").split(".")[0]
                if root in sensitive and not value.endswith((".token", ".mask")):
                    self.report(flow, step, "input", f"journey input {name!r} carries personal data: pass a reference")

    def _stored_keys(self, flow: Flow) -> set[str]:
        keys = set(PERSISTENT_KEYS) | ENGINE_DATA
        flows = [flow] + [f for f in self.flows.flows.values() if self._jumps_into(f, flow)]
        for each in flows:
            for step in each.steps:
                for name in ("into", "verified_into"):
                    value = getattr(step, name, None)
                    if value:
                        keys.add(value)
        return keys

    def _jumps_into(self, source: Flow, target: Flow) -> bool:
        return source is not target and any(isinstance(s, GotoStep) and s.flow == target.flow for s in source.steps)

    def _check_ref(self, flow: Flow, step: Step, field: str, value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                self._check_ref(flow, step, field, item)
            return
        if not isinstance(value, str) or not value.startswith("$"):
            return
        name = value[1:]
        if name.startswith("data."):
            root = name[5:].split(".")[0]
            if root not in self._stored_keys(flow):
                self.report(flow, step, field, f"{value}: nothing in this flow stores {root!r}", value=value)
        elif name not in SIMPLE_REFS:
            self.report(flow, step, field, f"unknown reference {value!r}", value=value)

    def _check_reachable(self, flow: Flow) -> None:
        seen = reachable(flow, entries(self.flows, flow))
        for step in flow.steps:
            if step.id not in seen:
                self.report(flow, step, "id", f"step {step.id!r} is unreachable")

    def _check_stored_before_use(self, flow: Flow) -> None:
        """A `$data.x` a step uses must be stored on every path that reaches the step."""
        base = frozenset(PERSISTENT_KEYS | ENGINE_DATA)
        universe = frozenset(self._stored_keys(flow))
        jumped_into = {
            edge.target or flow.start
            for other in self.flows.flows.values()
            for step in other.steps
            if isinstance(step, GotoStep)
            for edge in edges(step)
            if edge.flow == flow.flow
        }
        known: dict[str, frozenset[str]] = {s.id: universe for s in flow.steps}
        for entry in entries(self.flows, flow) - jumped_into:
            if entry in known:
                known[entry] = base
        changed = True
        while changed:
            changed = False
            for step in flow.steps:
                for edge in edges(step):
                    if edge.flow or edge.target not in known:
                        continue
                    after = known[step.id] | _stores(step, edge.label)
                    merged = known[edge.target] & after
                    if merged != known[edge.target]:
                        known[edge.target] = merged
                        changed = True
        for step in flow.steps:
            for ref in _data_refs(step):
                root = ref.removeprefix("$data.").split(".")[0]
                if root in universe and root not in known[step.id]:
                    self.report(flow, step, None, f"{ref} may be used before anything stores it", value=ref)

    def _check_money(self, flow: Flow) -> None:
        """Whatever needs confirmation must not be reachable around an explicit confirmation."""
        registry = self.flows.registry
        unconfirmed = reachable(flow, entries(self.flows, flow), skip_confirm=True)
        for step in flow.steps:
            if isinstance(step, CallStep):
                contract = self.operations.get(step.operation)
                needs, task = (contract.needs_confirmation, None) if contract else (False, None)
            elif isinstance(step, StartJourneyStep):
                spec_j = registry.journeys.get(step.journey)
                needs, task = (spec_j.needs_confirmation, spec_j.confirm_task) if spec_j else (False, None)
            else:
                continue
            if not needs:
                continue
            if task is None and step.id in unconfirmed:
                self.report(flow, step, "id", f"step {step.id!r} can be reached without an explicit confirmation")
            if task is not None:
                assert isinstance(step, StartJourneyStep)
                for problem in self._unawaited(flow, step, task):
                    self.report(flow, step, "id", problem)

    def _unawaited(self, flow: Flow, step: StartJourneyStep, task: str) -> Iterator[str]:
        seen: set[str] = set()
        queue = [step.next]
        while queue:
            current = flow.step(queue.pop())
            if current is None or current.id in seen:
                continue
            seen.add(current.id)
            if isinstance(current, WaitStep) and current.journey == step.into and current.task == task:
                continue
            out = [e for e in edges(current) if not e.flow]
            if not out:
                yield f"journey {step.journey!r} waits for task {task!r} but step {current.id!r} ends before it"
                return
            queue.extend(e.target for e in out)


def _stores(step: Step, label: str) -> frozenset[str]:
    """The data keys a step stores on its way out along an edge with this label."""
    keys = set()
    if isinstance(step, CallStep) and label != "ok":
        return frozenset()
    for name in ("into", "verified_into"):
        value = getattr(step, name, None)
        if value and not isinstance(step, WaitStep):
            keys.add(value)
    return frozenset(keys)


def _data_refs(node: Any) -> Iterator[str]:
    """Every `$data.` reference a step (or a part of it) uses."""
    if isinstance(node, str):
        if node.startswith("$data."):
            yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _data_refs(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _data_refs(value)
    elif hasattr(node, "model_dump"):
        yield from _data_refs(node.model_dump(by_alias=True))


def _line_of_value(node: Any, value: Any, key: str | None = None) -> int | None:
    """The line of the first scalar equal to `value` inside a loaded node (under `key` if given)."""
    if isinstance(node, MarkedDict):
        if key is not None and key in node:
            return _line_of_value(node[key], value) or node.line_of(key)
        for name, child in node.items():
            if child == value and not isinstance(child, dict | list):
                return node.line_of(name)
            found = _line_of_value(child, value)
            if found:
                return found
    elif isinstance(node, MarkedList):
        for index, child in enumerate(node):
            if child == value and not isinstance(child, dict | list):
                return node.line_of(index)
            found = _line_of_value(child, value)
            if found:
                return found
    return None


def lint_flows(
    directory: Path = FLOWS_DIR,
    registry_file: Path | None = None,
    messages: dict[str, dict[str, str]] | None = None,
    operations: Mapping[str, Operation[Any, Any]] | None = None,
) -> list[Problem]:
    """Every problem of the flows in a directory (an empty list when they are fine)."""
    try:
        flows = load_flows(directory, registry_file)
    except FlowFileError as error:
        return error.problems
    return _Linter(
        flows, messages or catalogue_module.catalogue(), OPERATIONS if operations is None else operations
    ).run()
