"""Mutation testing of the money and identity contexts with mutmut: `python -m tests.mutation --help`.

mutmut names a mutant after its file's path (`layers.common.messenger_bank…`) while the tests import
`messenger_bank…`, so each run happens in a staging folder under build/mutation/ whose `messenger_bank` is a link
to the layer's package: there the path and the import agree. Nothing here starts the local cloud.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import fnmatch
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

from tests.mutation.contexts import CONTEXTS, Context, context_named
from tests.mutation.results import (
    NO_TESTS,
    Equivalent,
    Mutant,
    Tally,
    Verdict,
    judge,
    load_equivalents,
    stale,
    status_of,
    total,
    worded,
)
from tests.mutation.wording import Package, Where, wording

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common"
BUILD = ROOT / "build" / "mutation"
EQUIVALENTS = ROOT / "tests" / "mutation" / "equivalent.yaml"
# What the unit tests read besides the package: the template, journeys, events, handlers, the local cloud's
# template loader, and (signin) the conversation registry under layers/.
ALSO_COPY = ("template.yaml", "statemachines", "events", "functions", "local", "layers")


def _toml(value: object) -> str:
    return json.dumps(value, ensure_ascii=True)  # JSON strings, numbers and lists of them are TOML too


def stage(work: Path, files: Sequence[str], tests: Sequence[str]) -> None:
    """A fresh staging folder: links to the repository and a pyproject.toml that configures mutmut and pytest."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "messenger_bank").symlink_to(LAYER / "messenger_bank")
    for name in ("tests", *ALSO_COPY):
        (work / name).symlink_to(ROOT / name)
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]
    pytest_options = {**pytest_options["ini_options"], "pythonpath": ["."], "testpaths": list(tests)}
    mutmut_options = {
        "source_paths": ["messenger_bank"],
        "only_mutate": list(files),
        "pytest_add_cli_args": ["-p", "tests.mutation.pytest_compat"],
        "pytest_add_cli_args_test_selection": list(tests),
        "also_copy": list(ALSO_COPY),
        "use_git_change_detection": False,
    }
    lines = ["[tool.mutmut]", *(f"{k} = {_toml(v)}" for k, v in mutmut_options.items())]
    lines += ["", "[tool.pytest.ini_options]", *(f"{k} = {_toml(v)}" for k, v in pytest_options.items())]
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def source_files(files: Sequence[str]) -> list[str]:
    """The package's .py files (relative to layers/common) that the globs select."""
    return [path for path in _package_files() if any(fnmatch.fnmatch(path, glob) for glob in files)]


@cache
def _package_files() -> list[str]:
    return [p.relative_to(LAYER).as_posix() for p in sorted((LAYER / "messenger_bank").rglob("*.py"))]


@cache
def mutated(path: str) -> tuple[list[str], dict[str, tuple[int, int]], list[str]]:
    """mutmut's mutated copy of a file (relative to layers/common): its lines, the line span of each generated
    function (the original's copy and every mutant) and the mutant names, as `mutmut run` makes them."""
    from mutmut.mutation.file_mutation import mutate_file_contents
    from mutmut.utils.format_utils import get_mutant_name

    result = mutate_file_contents(path, (LAYER / path).read_text(encoding="utf-8"))
    spans = {name: (span.start, span.end) for name, span in result.line_span_by_function_name.items()}
    return result.code.splitlines(), spans, [get_mutant_name(Path(path), name) for name in result.mutant_names]


def mutant_names(work: Path, context: Context, only: Sequence[str] = ()) -> list[str]:
    """Every mutant mutmut makes of the context, without running a test."""
    os.chdir(work)  # mutmut reads its configuration (once) from the working directory
    try:
        names = [name for path in source_files(context.files) for name in mutated(path)[2]]
    finally:
        os.chdir(ROOT)
    return [
        name
        for name in names
        if in_scope(name, context) and (not only or any(fnmatch.fnmatch(name, glob) for glob in only))
    ]


def own_tests(context: Context) -> list[str]:
    """The context's unit tests that exist (a context may have none yet)."""
    return [test for test in context.tests if (ROOT / test).exists()]


def in_scope(name: str, context: Context) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in context.functions)


# Address space for mutmut and each forked mutant: a mutant that grows without end (a loop doubling a string)
# fails with MemoryError, and so is killed, instead of taking the machine's memory until it is stopped.
MUTANT_ADDRESS_SPACE = 8 * 1024**3


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MUTANT_ADDRESS_SPACE, MUTANT_ADDRESS_SPACE))


def run_mutmut(work: Path, names: Sequence[str], jobs: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the original package must not import
    mutmut = Path(sys.executable).parent / "mutmut"
    log = work / "mutmut.log"
    with log.open("w", encoding="utf-8") as out:
        finished = subprocess.run(
            [str(mutmut), "run", "--max-children", str(jobs), *names],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
            preexec_fn=_limit_memory,
        )
    if finished.returncode != 0:
        sys.exit(f"mutmut failed (exit {finished.returncode}); its output is in {log}:\n{log.read_text()[-3000:]}")


def exit_codes(work: Path, files: Sequence[str]) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for path in source_files(files):
        meta = work / "mutants" / f"{path}.meta"
        if meta.exists():
            codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return codes


@cache
def _tree(path: str) -> ast.Module:
    return ast.parse((LAYER / path).read_text(encoding="utf-8"))


def _def_line(tree: ast.Module, function: str) -> int:
    """The line of `def` of a module-level function or a method (`Class.method`) in the original file."""
    body: Sequence[ast.stmt] = tree.body
    *classes, name = function.split(".")
    for class_name in classes:
        body = next(n.body for n in body if isinstance(n, ast.ClassDef) and n.name == class_name)
    return next(n.lineno for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name)


def _path_of(module: str) -> str:
    return next(
        p
        for p in source_files(["messenger_bank/*"])
        if p.removesuffix(".py").replace("/", ".") in {module, f"{module}.__init__"}
    )


def _function_text(path: str, name: str) -> list[str]:
    """A generated function's lines in mutmut's copy of the file, from its `def` (its name taken out)."""
    lines, spans, _ = mutated(path)
    start, end = spans[name]
    text = lines[start - 1 : end]
    first = next(i for i, line in enumerate(text) if re.match(rf"\s*(async\s+)?def {re.escape(name)}[\[(]", line))
    return [text[first].replace(name, ""), *text[first + 1 :]]


@cache
def _package() -> Package:
    return Package.under(LAYER, "messenger_bank")


def wording_of(key: str) -> str | None:
    """Whether the mutant changes only a log call, an exception's message, or an argument the called function
    reads only as wording (tests/mutation/wording.py)."""
    module, _, mangled = key.rpartition(".")
    class_name = mangled[2:].partition("ǁ")[0] if mangled.startswith("xǁ") else None
    path = _path_of(module)
    prefix = mangled.rsplit("__mutmut_", 1)[0]
    try:
        original, changed = _function_text(path, f"{prefix}__mutmut_orig"), _function_text(path, mangled)
    except (KeyError, StopIteration):
        return None
    named = [re.sub(r"def\s*(\[[^\]]*\])?\s*\(", r"def f\1(", "\n".join(text), count=1) for text in (original, changed)]
    return wording(named[0], named[1], Where(_package(), module, class_name))


def describe(key: str, status: str) -> Mutant:
    """Where the mutant is in the original file and what it changes (the lines before and after)."""
    module, _, mangled = key.rpartition(".")
    path = _path_of(module)
    function_prefix = mangled.rsplit("__mutmut_", 1)[0]
    try:
        original = _function_text(path, f"{function_prefix}__mutmut_orig")
        changed = _function_text(path, mangled)
        _, i1, i2, j1, j2 = next(
            op for op in difflib.SequenceMatcher(None, original, changed).get_opcodes() if op[0] != "equal"
        )
        qualified = Mutant(key, status).function.removeprefix(f"{module}.")
        line = _def_line(_tree(path), qualified) + i1
    except (KeyError, StopIteration) as error:  # a shape this reader does not know: still list the mutant
        return Mutant(key, status, f"layers/common/{path}", 0, f"(not described: {error!r})", "see `mutmut show`")
    before, after = (" ".join(text.strip() for text in part) for part in (original[i1:i2], changed[j1:j2]))
    return Mutant(key, status, f"layers/common/{path}", line, before, after)


def measure(context: Context, names: Sequence[str], work: Path, jobs: int) -> list[Mutant]:
    """Run exactly these mutants of the context against its own unit tests."""
    if not own_tests(
        context
    ):  # no unit test of its own: every mutant lives (and mutmut would otherwise run the whole suite)
        return [Mutant(name, NO_TESTS) for name in names]
    if names:
        run_mutmut(work, names, jobs)
    codes = exit_codes(work, context.files)
    return [Mutant(name, status_of(codes.get(name))) for name in names]


def split_wording(names: Iterable[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The mutants worth running, and the others, which change only wording (by kind)."""
    run: list[str] = []
    worded_mutants: dict[str, list[str]] = defaultdict(list)
    for name in names:
        kind = wording_of(name)
        if kind is None:
            run.append(name)
        else:
            worded_mutants[kind].append(name)
    return run, dict(worded_mutants)


def in_history(ref: str) -> bool:
    found = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=ROOT, check=False, capture_output=True
    )
    return found.returncode == 0


def changed_contexts(base: str, contexts: Iterable[Context]) -> list[Context]:
    """The contexts a change since `base` touches: whole when its unit tests changed, else only its changed files."""
    diff = subprocess.run(
        ["git", "diff", "--name-only", base, "--"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    layer = [p.removeprefix("layers/common/") for p in diff if p.startswith("layers/common/")]
    touched = []
    for context in contexts:
        if any(p == t or p.startswith(f"{t}/") for p in diff for t in context.tests):
            touched.append(context)
        elif files := tuple(p for p in layer if any(fnmatch.fnmatch(p, g) for g in context.files)):
            touched.append(replace(context, files=files))
    return touched


def print_report(
    verdicts: Sequence[Verdict], gone: Sequence[Equivalent], threshold: float, now_wording: Sequence[Equivalent] = ()
) -> None:
    rows = [v.tally for v in verdicts]
    untested = {v.tally.context: sum(1 for m in v.survivors if m.status == NO_TESTS) for v in verdicts}
    print(
        f"\n{'context':<12}{'mutants':>9}{'killed':>8}{'survived':>10}{'(no test)':>11}{'equivalent':>12}{'score':>9}"
        f"{'wording':>9}"
    )

    def row(t: Tally, no_test: int) -> str:
        return (
            f"{t.context:<12}{t.mutants:>9}{t.killed:>8}{t.survived:>10}{no_test:>11}{t.equivalent:>12}{t.score:>8.1f}%"
            f"{t.wording:>9}"
        )

    for t in rows:
        print(row(t, untested[t.context]))
    print(row(total(rows), sum(untested.values())))
    for verdict in verdicts:
        if not verdict.survivors:
            continue
        print(f"\nsurvivors in {verdict.tally.context}:")
        unreached: dict[tuple[str, str], list[Mutant]] = defaultdict(list)
        for m in sorted(verdict.survivors, key=lambda m: (m.path, m.line)):
            if m.status == NO_TESTS:
                unreached[(m.path, m.function)].append(m)
            else:
                print(f"  {m.path}:{m.line}  {m.before}  →  {m.after}   [{m.status}: {m.key}]")
        for (path, function), ms in unreached.items():
            print(f"  {path}:{ms[0].line}  {function}: no unit test reaches it ({len(ms)} mutants)")
    for entry in gone:
        why = "it is wording now, not run" if entry in now_wording else "no such surviving mutant any more"
        print(f"\nstale equivalent ({why}; delete it): {entry.function}: {entry.before!r} → {entry.after!r}")
    if gone:
        print(
            f"\n{len(gone)} stale equivalent entries ({sum(1 for e in gone if e in now_wording)} of them wording now)"
        )
    print(f"\nthreshold {threshold:.0f}%")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__)
    parser.add_argument("--context", action="append", help="only this context (repeatable); default: all")
    parser.add_argument("--threshold", type=float, default=90.0, help="fail under this score in %% (default 90)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--sample", type=int, help="test only this many mutants, drawn with --seed across contexts")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--only",
        action="append",
        metavar="GLOB",
        help="only mutants whose name matches (repeatable), e.g. 'messenger_bank.topup.service.*' while you work",
    )
    parser.add_argument("--changed-since", metavar="REF", help="only contexts whose code or tests changed since REF")
    args = parser.parse_args(argv)

    contexts = [context_named(n) for n in args.context] if args.context else list(CONTEXTS)
    if args.changed_since and not in_history(args.changed_since):  # a shallow clone: sample all, not none
        print(f"{args.changed_since} is not in this clone's history: sampling every context")
    elif args.changed_since:
        contexts = changed_contexts(args.changed_since, contexts)
        if not contexts:
            print(f"no money or identity context changed since {args.changed_since}")
            return 0
    equivalents = load_equivalents(EQUIVALENTS)
    started = time.monotonic()
    measured: dict[str, list[Mutant]] = {}
    wording_counts: dict[str, dict[str, list[str]]] = {}
    if args.sample is None:
        for context in contexts:
            work = BUILD / context.name
            stage(work, context.files, own_tests(context))
            names, wording_counts[context.name] = split_wording(mutant_names(work, context, args.only or ()))
            not_run = sum(len(ns) for ns in wording_counts[context.name].values())
            print(f"{context.name}: {len(names)} mutants (and {not_run} of wording, not run) ...", flush=True)
            measured[context.name] = measure(context, names, work, args.jobs)
    else:
        # One staging folder for the sample: each mutant still runs only the tests that reach its function.
        work = BUILD / ("sample-" + "-".join(c.name for c in contexts) if len(contexts) < len(CONTEXTS) else "sample")
        stage(work, [g for c in contexts for g in c.files], [t for c in contexts for t in own_tests(c)])
        owners = {name: c for c in contexts for name in mutant_names(work, c, args.only or ())}
        sampled = sorted(random.Random(args.seed).sample(sorted(owners), min(args.sample, len(owners))))
        drawn, _ = split_wording(sampled)
        for c in contexts:
            wording_counts[c.name] = split_wording(n for n in sampled if owners[n] is c)[1]
        print(
            f"sample: {len(sampled)} of {len(owners)} mutants (seed {args.seed}), {len(sampled) - len(drawn)} of "
            "them of wording, not run ...",
            flush=True,
        )
        testable = [name for name in drawn if own_tests(owners[name])]
        if testable:
            run_mutmut(work, testable, args.jobs)
        codes = exit_codes(work, [g for c in contexts for g in c.files])
        for context in contexts:
            measured[context.name] = [
                Mutant(n, status_of(codes.get(n)) if n in testable else NO_TESTS) for n in drawn if owners[n] is context
            ]

    verdicts = []
    for context in contexts:
        described = [m if m.killed else describe(m.key, m.status) for m in measured[context.name]]
        worded_names = [n for ns in wording_counts[context.name].values() for n in ns]
        verdicts.append(judge(context.name, described, equivalents, len(worded_names)))
    modules = {
        p.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        for c in contexts
        for p in source_files(c.files)
    }
    worded_mutants = [describe(n, "wording") for ns in wording_counts.values() for names in ns.values() for n in names]
    made = {m.function for c in contexts for m in measured[c.name]} | {m.function for m in worded_mutants}
    gone = [] if args.sample is not None else stale(equivalents, verdicts, modules, made if args.only else None)
    print_report(verdicts, gone, args.threshold, worded(equivalents, worded_mutants))
    print(f"({time.monotonic() - started:.0f} s)")
    # The whole run holds every context to the threshold; a sample is too small per context, so only its total.
    scores = [total(v.tally for v in verdicts).score] if args.sample is not None else [v.tally.score for v in verdicts]
    return 1 if any(score < args.threshold for score in scores) else 0


if __name__ == "__main__":
    sys.exit(main())
