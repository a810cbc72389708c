"""The bank operations the conversation calls, each one's contract declared once.

An operation is a Lambda named `<stack>-op-<name>` (template.yaml) that a flow's `call` step names.
Its declaration, in its context's `operations` module (`cards/operations.py`: GET_BALANCE, …), says what it
takes (the request model), what it answers (the result model), the domain errors it refuses with, the session it
needs and whether the customer must confirm it first.
Everything else follows from it: the function validates and answers with it
(`handlers.operation_lambda`), the flow linter checks each `call` step's operation, `with:` fields
and `errors:` names against it, the conversation turns a Lambda error back into the declared error
class, and the unit fakes refuse what the function would refuse. tests/unit/test_template.py checks
that every declared operation is deployed under its name and every deployed one is declared.

A function imports the declaration from its context's module and so loads that context's models only (every
context's, built at import, were about a tenth of an operation's cold start); the programmes' functions import theirs
from their programme's module (programs/cashback_operations.py, …), which programs/operations.py names for the rest.
OPERATIONS, which the conversation and the flow linter read, loads every context's declarations on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from messenger_bank.errors import DomainError, OperationError
from messenger_bank.invocation import CORRELATION_KEY, SESSION_KEY, SessionCheck
from messenger_bank.security.errors import ReauthenticationRequired, SessionExpired, SessionInvalid

# The contexts whose `operations` module declares operations (tests/unit/test_operations.py: every such module is
# named here, so a new one cannot be left out of OPERATIONS).
DECLARING_CONTEXTS = (
    "signin",
    "onboarding",
    "customers",
    "cards",
    "plastic",
    "transfers",
    "requests",
    "payments",
    "outages",
    "programs",
    "privacy",
)

# What a refused session fails with, on top of an operation's own errors.
SESSION_ERRORS: dict[SessionCheck, tuple[type[DomainError], ...]] = {
    "customer": (SessionInvalid, SessionExpired),
    "sensitive": (SessionInvalid, SessionExpired, ReauthenticationRequired),
}


class UndeclaredOperation(LookupError):
    """No operation of this name is declared, so no function of this name is deployed."""


@dataclass(frozen=True)
class Operation[R: BaseModel, A: BaseModel]:
    """One operation's contract: a flow `call`s it by `name` with the fields of `request`."""

    name: str
    request: type[R]
    result: type[A]
    errors: tuple[type[DomainError], ...] = ()
    session: SessionCheck | None = None
    # The flow must pass an explicit confirmation (a choose option with `confirm: true`) on every path to it.
    needs_confirmation: bool = False

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.request.model_fields)

    @property
    def required_fields(self) -> frozenset[str]:
        return frozenset(name for name, field in self.request.model_fields.items() if field.is_required())

    @property
    def refusals(self) -> dict[str, type[DomainError]]:
        """Every error the function may fail with, by the name that is its Lambda `errorType`: the
        declared ones (a subclass is its own errorType, so it is named too) and its session's."""
        declared = self.errors + (SESSION_ERRORS[self.session] if self.session else ())
        return {error.__name__: error for base in declared for error in _with_subclasses(base)}

    def parse(self, event: dict[str, Any]) -> R:
        """The request in an invoke's event (without the correlation id and session that travel beside it)."""
        request = {key: value for key, value in event.items() if key not in (CORRELATION_KEY, SESSION_KEY)}
        return self.request.model_validate(request)

    def refused(self, error_type: str, message: str = "") -> DomainError:
        """The error a Lambda error of this type stands for: the declared class, else an OperationError."""
        declared = self.refusals.get(error_type)
        if declared is None:
            return OperationError(message, error_type=error_type)
        return declared(message)


class OperationFailed(Exception):
    """A bank operation refused: `error` is the typed domain error, `code` its name (what a flow's
    `errors:` names; for an error the operation does not declare, the errorType as it came)."""

    def __init__(self, error: DomainError | str) -> None:
        if isinstance(error, str):
            error = OperationError(error_type=error)
        self.error = error
        self.code = error.error_type if isinstance(error, OperationError) else type(error).__name__
        super().__init__(self.code)


def _with_subclasses(error: type[DomainError]) -> list[type[DomainError]]:
    return [error, *(sub for child in error.__subclasses__() for sub in _with_subclasses(child))]


class _Declared(Mapping[str, "Operation[Any, Any]"]):
    """Every declared operation by name, read from the contexts' modules on first use."""

    def __init__(self) -> None:
        self._found: dict[str, Operation[Any, Any]] | None = None

    def _all(self) -> dict[str, Operation[Any, Any]]:
        if self._found is None:
            found: dict[str, Operation[Any, Any]] = {}
            for context in DECLARING_CONTEXTS:
                module = importlib.import_module(f"messenger_bank.{context}.operations")
                for declared in vars(module).values():
                    if isinstance(declared, Operation):
                        found[declared.name] = declared
            self._found = found
        return self._found

    def __getitem__(self, name: str) -> Operation[Any, Any]:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


# Every declaration, by name (collected rather than listed, so that a new one cannot be left out).
OPERATIONS: Mapping[str, Operation[Any, Any]] = _Declared()


def operation(name: str) -> Operation[Any, Any]:
    """The declared operation of this name; UndeclaredOperation for any other (no such function is deployed)."""
    try:
        return OPERATIONS[name]
    except KeyError:
        raise UndeclaredOperation(f"no operation {name!r} is declared (messenger_bank/operations.py)") from None
