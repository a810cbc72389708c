"""Mutants, the reviewed list of equivalent ones, and the score: the part of the mutation run worth testing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

KILLED = "killed"
SURVIVED = "survived"
NO_TESTS = "no tests"

# mutmut's exit codes per mutant (mutmut/__main__.py status_by_exit_code, 3.7): a failing test run, a pytest
# internal error, a timeout and a type-check failure kill; 0 survives; 5/33 mean no test reaches the function.
_STATUS_BY_EXIT_CODE: dict[int | None, str] = {
    1: KILLED,
    3: KILLED,
    0: SURVIVED,
    5: NO_TESTS,
    33: NO_TESTS,
    36: KILLED,
    37: KILLED,
    24: KILLED,
    -24: KILLED,
    152: KILLED,
    255: KILLED,
    None: "not checked",
}


def status_of(exit_code: int | None) -> str:
    return _STATUS_BY_EXIT_CODE.get(exit_code, "suspicious")


def function_of(mutant_key: str) -> str:
    """`messenger_bank.a.b.x_f__mutmut_3` → `messenger_bank.a.b.f`; `….xǁCǁm__mutmut_1` → `….C.m`."""
    module, _, mangled = mutant_key.rpartition(".")
    mangled = mangled.rsplit("__mutmut_", 1)[0]
    if mangled.startswith("xǁ"):
        class_name, _, method = mangled[2:].partition("ǁ")
        return f"{module}.{class_name}.{method}"
    return f"{module}.{mangled.removeprefix('x_')}"


@dataclass(frozen=True)
class Mutant:
    key: str
    status: str
    path: str = ""
    line: int = 0
    before: str = ""
    after: str = ""

    @property
    def function(self) -> str:
        return function_of(self.key)

    @property
    def killed(self) -> bool:
        return self.status == KILLED


@dataclass(frozen=True)
class Equivalent:
    """A mutant no test can kill because it behaves like the original; matched by what it changes, not by
    mutmut's number (which shifts whenever the function changes)."""

    function: str
    before: str
    after: str
    reason: str

    def matches(self, mutant: Mutant) -> bool:
        return (mutant.function, mutant.before, mutant.after) == (self.function, self.before, self.after)


def load_equivalents(path: Path) -> list[Equivalent]:
    entries: Any = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ValueError(f"{path}: a list of equivalent mutants expected")
    equivalents = []
    for number, entry in enumerate(entries, 1):
        fields = ("function", "before", "after", "reason")
        if not isinstance(entry, dict) or set(entry) != set(fields):
            raise ValueError(f"{path}: entry {number} must have exactly {', '.join(fields)}")
        values = [entry[field] for field in fields]
        # `after` may be empty: a mutant that drops an argument (`kind="virtual",` → nothing) prints nothing.
        if not all(
            isinstance(value, str) and (value.strip() or field == "after")
            for field, value in zip(fields, values, strict=True)
        ):
            raise ValueError(f"{path}: entry {number}: every field is a non-empty string (the reason too)")
        equivalents.append(Equivalent(*(value.strip() for value in values)))
    return equivalents


@dataclass(frozen=True)
class Tally:
    context: str
    mutants: int
    killed: int
    survived: int
    equivalent: int
    # Mutants of a log call or an exception's message: not run, not in `mutants` (tests/mutation/wording.py).
    wording: int = 0

    @property
    def score(self) -> float:
        """Killed mutants per hundred that could be killed (equivalent ones excluded)."""
        killable = self.mutants - self.equivalent
        return 100.0 if killable == 0 else 100.0 * self.killed / killable


@dataclass(frozen=True)
class Verdict:
    tally: Tally
    survivors: list[Mutant]
    equivalent: list[tuple[Mutant, Equivalent]]


def judge(context: str, mutants: Sequence[Mutant], equivalents: Iterable[Equivalent], wording: int = 0) -> Verdict:
    """Count a context's mutants; a surviving mutant that a reviewed entry matches is equivalent, not a survivor.
    A killed mutant is never excused: an entry that matches only killed mutants is stale (see `stale`)."""
    listed = list(equivalents)
    survivors: list[Mutant] = []
    excused: list[tuple[Mutant, Equivalent]] = []
    for mutant in mutants:
        if mutant.killed:
            continue
        entry = next((e for e in listed if e.matches(mutant)), None)
        if entry is None:
            survivors.append(mutant)
        else:
            excused.append((mutant, entry))
    killed = sum(1 for mutant in mutants if mutant.killed)
    tally = Tally(context, len(mutants), killed, len(survivors), len(excused), wording)
    return Verdict(tally, survivors, excused)


def stale(
    equivalents: Iterable[Equivalent],
    verdicts: Iterable[Verdict],
    modules: Iterable[str],
    functions: Iterable[str] | None = None,
) -> list[Equivalent]:
    """Listed equivalents in the modules that were mutated (and, when given, of the functions whose mutants were
    made: a run narrowed with --only) that excused no mutant this run (the mutant or its function is gone, a
    test now kills it, or it is wording now and not run): each should be deleted from the list."""
    used = {id(entry) for verdict in verdicts for _, entry in verdict.equivalent}
    prefixes = tuple(f"{module}." for module in modules)
    made = None if functions is None else set(functions)
    return [
        entry
        for entry in equivalents
        if entry.function.startswith(prefixes) and id(entry) not in used and (made is None or entry.function in made)
    ]


def worded(equivalents: Iterable[Equivalent], wording: Iterable[Mutant]) -> list[Equivalent]:
    """Listed equivalents that a mutant of wording matches: not run, so the entry is not needed."""
    mutants = list(wording)
    return [entry for entry in equivalents if any(entry.matches(mutant) for mutant in mutants)]


def total(tallies: Iterable[Tally]) -> Tally:
    rows = list(tallies)
    return Tally(
        "total",
        sum(t.mutants for t in rows),
        sum(t.killed for t in rows),
        sum(t.survived for t in rows),
        sum(t.equivalent for t in rows),
        sum(t.wording for t in rows),
    )
