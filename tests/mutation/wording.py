"""Mutants that change only wording people read in logs: not run, and counted apart from the score.

A mutant is *wording* when every statement it changes is a log call (`logger.info("…", extra={…})`: its message,
its keys, its arguments) or only the message of a raised exception (`raise X("…", code=…)`: the first argument, a
string, changed, emptied or dropped, the rest unchanged). Neither changes what the bank does: the code that
matches an exception reads its type and fields (`errors.py`), never its text, and the log's redaction is tested on
its own (`tests/unit/security/test_logging.py`). Tests that pinned such prose would fail on every rewording and catch no
defect. Metric names, units and values, HTTP answers and texts a customer reads are behaviour: they are mutated.
"""

from __future__ import annotations

import ast
import copy
import textwrap

LOG = "log call"
EXCEPTION_MESSAGE = "exception message"

_LOG_LEVELS = frozenset({"debug", "info", "warning", "error", "exception", "critical"})
_NESTED = ("body", "orelse", "finalbody", "handlers", "cases")


def _header(statement: ast.stmt) -> str:
    """The statement without the statements nested in it (an `if`'s test, not its body)."""
    shallow = copy.copy(statement)
    for field in _NESTED:
        if hasattr(shallow, field):
            setattr(shallow, field, [])
    return ast.dump(shallow)


def _is_log_call(statement: ast.stmt) -> bool:
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return False
    function = statement.value.func
    return (
        isinstance(function, ast.Attribute)
        and function.attr in _LOG_LEVELS
        and isinstance(function.value, ast.Name)
        and function.value.id == "logger"
    )


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _only_message_changed(original: ast.stmt, mutant: ast.stmt) -> bool:
    if not (isinstance(original, ast.Raise) and isinstance(mutant, ast.Raise)):
        return False
    before, after = original.exc, mutant.exc
    if not (isinstance(before, ast.Call) and isinstance(after, ast.Call)) or not before.args:
        return False
    if not _is_text(before.args[0]) or ast.dump(before.func) != ast.dump(after.func):
        return False
    if [ast.dump(k) for k in before.keywords] != [ast.dump(k) for k in after.keywords]:
        return False
    rest = [ast.dump(a) for a in before.args[1:]]
    if [ast.dump(a) for a in after.args] == rest:  # the message dropped
        return True
    replaced = after.args[:1]
    return (
        bool(replaced)
        and (_is_text(replaced[0]) or (isinstance(replaced[0], ast.Constant) and replaced[0].value is None))
        and [ast.dump(a) for a in after.args[1:]] == rest
    )


def _statements(source: str) -> list[ast.stmt]:
    return [node for node in ast.walk(ast.parse(textwrap.dedent(source))) if isinstance(node, ast.stmt)]


def wording(original: str, mutant: str) -> str | None:
    """LOG or EXCEPTION_MESSAGE when the mutant function's source differs from the original's only there."""
    before, after = _statements(original), _statements(mutant)
    if len(before) != len(after):
        return None
    kinds = set()
    for old, new in zip(before[1:], after[1:], strict=True):  # [0] is the `def` itself (its name differs)
        if _header(old) == _header(new):
            continue
        if _is_log_call(old) and isinstance(new, ast.Expr):
            kinds.add(LOG)
        elif _only_message_changed(old, new):
            kinds.add(EXCEPTION_MESSAGE)
        else:
            return None
    return kinds.pop() if len(kinds) == 1 else None
