"""What a session carries from one turn to the next, typed: the flow's data and its buttons' actions.

`FlowData.values` is what the customer gave and what operations answered (`$data.<key>` in a flow);
beside it, as fields, the engine's own bookkeeping. Sessions saved before this model kept that
bookkeeping in the same dict under reserved underscore keys: `FlowData.from_legacy` reads them, since
a session lives up to its idle timeout and one saved before a deploy is read after it.

A session-scoped button (`s:<epoch>:<n>`) stores its `ButtonAction` in the session; a press is only
what the stored action says, never what the payload claims, and only at the step the action names (`at`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

# Values that outlive the flow that stored them (a new flow, an ended one, an expired session keep them).
# `missed`: the top-level texts the bot did not understand, in a row (redacted); `refused`: the last
# disputable refusal (its code and time): both outlive the menu the engine goes to after them.
PERSISTENT_KEYS = frozenset({"referral", "missed", "refused"})

# `$data.<name>` references a flow may make to the engine's bookkeeping (the names are older than this
# model, and the flow linter allows exactly these: local/devtools/lint.py ENGINE_DATA).
ENGINE_REFERENCES = {"_error": "error", "_entities": "entities", "_run": "run"}
_LEGACY_KEYS = ("_resume", "_entities", "_run", "_starts", "_sensitive", "_error")


# An NLU entity's value; a card number only as its token and mask.
EntityValue = str | dict[str, str]


class Position(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    flow: str
    step: str


class FlowData(BaseModel):
    """The data of the flow in progress. Mutable: a turn works on its own deep copy."""

    model_config = ConfigDict(extra="forbid")

    values: dict[str, Any] = Field(default_factory=dict, description="the customer's answers, operation results")
    resume: Position | None = Field(default=None, description="the call to go back to once the customer proved again")
    entities: dict[str, EntityValue] = Field(default_factory=dict, description="NLU entities not yet used by a step")
    run: str | None = Field(default=None, description="names this run of the flow in journey execution names")
    starts: int = Field(default=0, ge=0, description="journeys started in this run")
    sensitive: tuple[str, ...] = Field(default=(), description="value keys that must never go to a journey")
    error: str | None = Field(default=None, description="the domain error a call step went on with")

    def kept(self) -> FlowData:
        """What a new flow (or the menu after an expired session) keeps of this one."""
        return FlowData(values={k: v for k, v in self.values.items() if k in PERSISTENT_KEYS})

    def lookup(self, name: str) -> Any:
        """The first part of a `$data.` reference: a value, or an engine field under its reference name."""
        field = ENGINE_REFERENCES.get(name)
        return getattr(self, field) if field else self.values.get(name)

    @classmethod
    def from_legacy(cls, raw: Mapping[str, Any]) -> FlowData:
        """A session's `data` as saved before this model: one dict, the engine's keys with an underscore."""
        sensitive = raw.get("_sensitive")
        return cls(
            values={k: v for k, v in raw.items() if k not in _LEGACY_KEYS},
            # The old engine went to the main menu for a `_resume` it could not read; None does the same.
            resume=_position(raw.get("_resume")),
            entities=dict(raw["_entities"]) if isinstance(raw.get("_entities"), dict) else {},
            run=str(raw["_run"]) if raw.get("_run") else None,
            starts=int(raw.get("_starts") or 0),
            sensitive=tuple(sorted(str(k) for k in sensitive)) if isinstance(sensitive, list) else (),
            error=str(raw["_error"]) if raw.get("_error") else None,
        )


def _position(raw: Any) -> Position | None:
    try:
        return Position.model_validate(raw) if raw is not None else None
    except ValidationError:
        return None


class NextAction(BaseModel):
    """A `next` button of a say or ask step: go on at that step, while the chat is still `at` the button's
    (None: stored before buttons named their step, taken as it was then)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["next"] = "next"
    flow: str
    step: str
    at: str | None = None


class GotoAction(BaseModel):
    """A `goto` button to a step that is not a flow's entry (so it cannot be a global `g:go:` payload),
    valid while the chat is still `at` the button's step (None as for NextAction)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["goto"] = "goto"
    flow: str
    step: str | None
    at: str | None = None


class OptionAction(BaseModel):
    """An option of a choose or wait step, valid only while the chat is still `at` that step."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["option"] = "option"
    option: str
    at: str


class ItemAction(BaseModel):
    """An item of a choose step's `options_from` list, by its index when the buttons were made."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["item"] = "item"
    index: int
    at: str


ButtonAction = Annotated[NextAction | GotoAction | OptionAction | ItemAction, Field(discriminator="kind")]
_ACTIONS: TypeAdapter[ButtonAction] = TypeAdapter(ButtonAction)


def stored_action(raw: Any) -> ButtonAction | None:
    """The action a session stored for a button; None for one it cannot have stored."""
    try:
        return _ACTIONS.validate_python(raw)
    except ValidationError:
        return None
