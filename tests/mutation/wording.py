"""Mutants that change only wording people read in logs: not run, and counted apart from the score.

A mutant is *wording* when every statement it changes is a log call (`logger.info("…", extra={…})`: its message,
its keys, its arguments) or only the message of a raised exception (`raise X("…", code=…)`: the first argument, a
string, changed, emptied or dropped, the rest unchanged). Neither changes what the bank does: the code that
matches an exception reads its type and fields (`errors.py`), never its text, and the log's redaction is tested on
its own (`tests/unit/security/test_logging.py`). Tests that pinned such prose would fail on every rewording and catch no
defect. Metric names, units and values, HTTP answers and texts a customer reads are behaviour: they are mutated.

A third case, *argument only worded*: a mutant that changes (or drops, where the parameter has a default) one
argument of a call to a function of the package, when that function reads the parameter only as wording: as a value
in a log call, inside the f-string message of an exception raised (of a class whose first argument is only its
message), or passed on to another function of the package that reads it only so (followed). A banking client's
`operation="create_payment"` is such an argument: it names the call in the logs and in BankSystemUnavailable's
message, and nothing else. Where the called function cannot be told for sure (an object whose class is not
annotated, a decorator, `*args`) or the parameter reaches anything else (returned, stored, compared, passed to a
metric, a field of an exception), the mutant is behaviour.
"""

from __future__ import annotations

import ast
import copy
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

LOG = "log call"
EXCEPTION_MESSAGE = "exception message"
ARGUMENT_ONLY_WORDED = "argument only worded"

_LOG_LEVELS = frozenset({"debug", "info", "warning", "error", "exception", "critical"})
_NESTED = ("body", "orelse", "finalbody", "handlers", "cases")


def _shallow(statement: ast.stmt) -> ast.stmt:
    """The statement without the statements nested in it (an `if`'s test, not its body)."""
    shallow = copy.copy(statement)
    for nested in _NESTED:
        if hasattr(shallow, nested):
            setattr(shallow, nested, [])
    return shallow


def _header(statement: ast.stmt) -> str:
    return ast.dump(_shallow(statement))


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


def wording(original: str, mutant: str, where: Where | None = None) -> str | None:
    """LOG, EXCEPTION_MESSAGE or ARGUMENT_ONLY_WORDED when the mutant function's source differs from the
    original's only there (the last only when `where` says where the function is, to follow its calls)."""
    before, after = _statements(original), _statements(mutant)
    if len(before) != len(after):
        return None
    caller = before[0]
    kinds = set()
    for old, new in zip(before[1:], after[1:], strict=True):  # [0] is the `def` itself (its name differs)
        if _header(old) == _header(new):
            continue
        if _is_log_call(old) and isinstance(new, ast.Expr):
            kinds.add(LOG)
        elif _only_message_changed(old, new):
            kinds.add(EXCEPTION_MESSAGE)
        elif (
            where is not None
            and isinstance(caller, ast.FunctionDef | ast.AsyncFunctionDef)
            and _argument_only_worded(old, new, caller, where)
        ):
            kinds.add(ARGUMENT_ONLY_WORDED)
        else:
            return None
    return kinds.pop() if len(kinds) == 1 else None


# --- An argument only worded ----------------------------------------------------------------------------------------

_Def = ast.FunctionDef | ast.AsyncFunctionDef
# Built-ins that reach a function's variables by name: a parameter read through them may go anywhere.
_INTROSPECTION = frozenset({"locals", "vars", "globals", "eval", "exec"})


class _Modules(Mapping[str, str]):
    """`package.a.b` → the text of root/package/a/b.py (or …/a/b/__init__.py), read when asked."""

    def __init__(self, root: Path, package: str) -> None:
        self._paths = {
            ".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): p
            for p in sorted((root / package).rglob("*.py"))
        }

    def __getitem__(self, module: str) -> str:
        return self._paths[module].read_text(encoding="utf-8")

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


@dataclass
class Package:
    """The package's sources by module name: where a call is followed to the function it runs."""

    sources: Mapping[str, str]
    _trees: dict[str, ast.Module | None] = field(default_factory=dict)
    _worded: dict[tuple[str, str | None, str, str], bool] = field(default_factory=dict)

    @classmethod
    def under(cls, root: Path, package: str) -> Package:
        return cls(_Modules(root, package))

    def tree(self, module: str) -> ast.Module | None:
        if module not in self._trees:
            source = self.sources.get(module)
            self._trees[module] = None if source is None else ast.parse(source)
        return self._trees[module]

    def classes(self) -> Iterator[tuple[str, ast.ClassDef]]:
        for module in self.sources:
            tree = self.tree(module)
            for node in tree.body if tree is not None else ():
                if isinstance(node, ast.ClassDef):
                    yield module, node


@dataclass(frozen=True)
class Where:
    """Where the mutated function is: its module and class (None for a module-level function)."""

    package: Package
    module: str
    class_name: str | None = None


@dataclass(frozen=True)
class _Callee:
    module: str
    class_name: str | None
    node: _Def
    bound: bool  # called on an instance: its first parameter (`self`) is not among the call's arguments


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """A module's statements, with those of its top-level `if`/`try`/`with` blocks (not of its defs)."""
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.Try | ast.With):
            for nested in ("body", "orelse", "finalbody"):
                yield from _module_statements(getattr(node, nested, []))
            for handler in getattr(node, "handlers", []):
                yield from _module_statements(handler.body)


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return node.targets
    if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor | ast.NamedExpr):
        return [node.target]
    return []


def _bound_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del)}


def _defined(package: Package, module: str, name: str, depth: int = 0) -> tuple[str, ast.stmt] | None:
    """The function or class that a module-level name is, through `from … import` within the package; None
    when the name is bound more than once in the module, or is not the package's."""
    tree = package.tree(module)
    if tree is None or depth > 10:
        return None
    bindings = [node for node in _module_statements(tree.body) if name in _bound_names(node)]
    if len(bindings) != 1:
        return None
    node = bindings[0]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return module, node
    if isinstance(node, ast.ImportFrom):
        alias = next(a for a in node.names if (a.asname or a.name) == name)
        source = node.module or ""
        if node.level:
            base = module.split(".")[: -node.level]
            source = ".".join([*base, source] if source else base)
        return _defined(package, source, alias.name, depth + 1)
    return None


def _class(package: Package, module: str, annotation: ast.expr | None) -> tuple[str, ast.ClassDef] | None:
    """The package's class that an annotation names (only a plain class name: not `X | None`, not generics)."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        annotation = ast.parse(annotation.value, mode="eval").body
    if not isinstance(annotation, ast.Name):
        return None
    found = _defined(package, module, annotation.id)
    return (found[0], found[1]) if found is not None and isinstance(found[1], ast.ClassDef) else None


def _ancestry(package: Package, module: str, cls: ast.ClassDef) -> list[tuple[str, ast.ClassDef]] | None:
    """The class and its ancestors, nearest first; None when one is not the package's (a method could come
    from there)."""
    chain = [(module, cls)]
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id == "object":
            continue
        found = _class(package, module, base)
        above = None if found is None else _ancestry(package, *found)
        if above is None:
            return None
        chain += [c for c in above if all(c[1] is not d for _, d in chain)]
    return chain


def _inherits(package: Package, module: str, cls: ast.ClassDef, ancestor: ast.ClassDef, depth: int = 0) -> bool:
    """Whether `cls` inherits from `ancestor` through bases the package defines (other bases are passed over)."""
    for base in cls.bases:
        found = _class(package, module, base)
        if (
            found is not None
            and depth < 20
            and (found[1] is ancestor or _inherits(package, *found, ancestor, depth + 1))
        ):
            return True
    return False


def _methods(package: Package, module: str, cls: ast.ClassDef, name: str) -> list[_Callee] | None:
    """What `instance.<name>(…)` may run on an instance of the class: the method it defines or inherits, and
    each subclass's override. None when that may not be the package's code."""
    chain = _ancestry(package, module, cls)
    if chain is None:
        return None
    candidates = [
        _Callee(m, c.name, node, bound=True)
        for m, c in chain
        for node in c.body
        if isinstance(node, _Def) and node.name == name
    ][:1]
    if not candidates:
        return None
    for other_module, other in package.classes():
        if _inherits(package, other_module, other, cls):
            candidates += [
                _Callee(other_module, other.name, node, bound=True)
                for node in other.body
                if isinstance(node, _Def) and node.name == name
            ]
    return candidates


def _class_named(package: Package, module: str, name: str | None) -> ast.ClassDef | None:
    tree = package.tree(module)
    if tree is None or name is None:
        return None
    return next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name), None)


def _attribute_class(
    package: Package, module: str, cls: ast.ClassDef, attribute: str
) -> tuple[str, ast.ClassDef] | None:
    """The class of `self.<attribute>`, when every assignment to it in the class and its ancestors declares
    the same one (by an annotation, or by assigning a parameter annotated with it)."""
    chain = _ancestry(package, module, cls)
    if chain is None:
        return None
    declared: list[tuple[str, ast.expr | None]] = []
    for owner_module, owner in chain:
        for statement in owner.body:
            if (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and statement.target.id == attribute
            ):
                declared.append((owner_module, statement.annotation))
        for method in (n for n in owner.body if isinstance(n, _Def)):
            arguments = method.args
            annotations = {
                a.arg: a.annotation for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
            }
            for node in ast.walk(method):
                for target in _targets(node):
                    if not (
                        isinstance(target, ast.Attribute)
                        and target.attr == attribute
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "self"
                    ):
                        continue
                    if isinstance(node, ast.AnnAssign):
                        declared.append((owner_module, node.annotation))
                    elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
                        declared.append((owner_module, annotations.get(node.value.id)))
                    else:
                        return None
    classes = [_class(package, m, annotation) for m, annotation in declared]
    if not classes or any(c is None for c in classes) or len({id(c[1]) for c in classes if c}) != 1:
        return None
    return classes[0]


def _local_names(function: _Def) -> set[str]:
    """The names a function binds itself (parameters, assignments, nested defs, imports)."""
    names = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    for node in ast.walk(function):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node is not function:
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
    return names


def _callees(call: ast.Call, where: Where, caller: _Def) -> list[_Callee] | None:
    """Every function of the package the call may run; None when that is not sure."""
    package, module, function = where.package, where.module, call.func
    if isinstance(function, ast.Name):
        found = None if function.id in _local_names(caller) else _defined(package, module, function.id)
        if found is None or not isinstance(found[1], _Def):
            return None
        return [_Callee(found[0], None, found[1], bound=False)]
    if not isinstance(function, ast.Attribute):
        return None
    cls = _class_named(package, module, where.class_name)
    parameters = [*caller.args.posonlyargs, *caller.args.args]
    if cls is None or not parameters or parameters[0].arg != "self" or "self" in _local_names(caller) - {"self"}:
        return None
    receiver = function.value
    if isinstance(receiver, ast.Name) and receiver.id == "self":
        return _methods(package, module, cls, function.attr)
    if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name) and receiver.value.id == "self":
        found = _attribute_class(package, module, cls, receiver.attr)
        return None if found is None else _methods(package, *found, function.attr)
    if isinstance(receiver, ast.Call):  # `self._partner(partner).call(…)`: the class the maker returns
        makers = _callees(receiver, where, caller)
        if not makers:
            return None
        callees: list[_Callee] = []
        for maker in makers:
            made = _class(package, maker.module, maker.node.returns)
            methods = None if made is None else _methods(package, *made, function.attr)
            if methods is None:
                return None
            callees += methods
        return callees
    return None


def _parameter(callee: _Callee, call: ast.Call, argument: int | str) -> ast.arg | None:
    """The parameter that receives the call's argument (its position among the positional ones, or its
    keyword); None when the call unpacks `*`/`**` or no parameter of that name or place exists."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    arguments = callee.node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    receiver = positional[0] if callee.bound and positional else None
    if isinstance(argument, int):
        passed = [a for a in positional if a is not receiver]
        return passed[argument] if argument < len(passed) else None
    nameable = [a for a in (*arguments.args, *arguments.kwonlyargs) if a is not receiver]
    return next((a for a in nameable if a.arg == argument), None)


def _has_default(callee: _Callee, parameter: ast.arg) -> bool:
    arguments = callee.node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    if parameter in positional:
        return positional.index(parameter) >= len(positional) - len(arguments.defaults)
    return arguments.kw_defaults[arguments.kwonlyargs.index(parameter)] is not None


def _message_only_exception(package: Package, module: str, raised: ast.expr) -> bool:
    """An exception class whose first argument is only its message: the package's, defining no `__init__` of
    its own down from `DomainError` (whose `__init__` makes its first argument the message, and nothing else)."""
    found = _class(package, module, raised)
    for _ in range(20):
        if found is None:
            return False
        owner_module, owner = found
        if (owner_module, owner.name) == ("messenger_bank.errors", "DomainError"):
            return True
        if any(isinstance(n, _Def) and n.name == "__init__" for n in owner.body) or len(owner.bases) != 1:
            return False
        found = _class(package, owner_module, owner.bases[0])
    return False


def _only_worded(callee: _Callee, parameter: ast.arg, package: Package) -> bool:
    """The parameter reaches nothing but wording in the function (and the functions it passes it on to)."""
    key = (callee.module, callee.class_name, callee.node.name, parameter.arg)
    if key not in package._worded:
        package._worded[key] = False  # a call back into itself while it is looked at: not sure, so no
        package._worded[key] = _read_only_as_wording(callee, parameter.arg, package)
    return package._worded[key]


def _read_only_as_wording(callee: _Callee, name: str, package: Package) -> bool:
    function = callee.node
    if function.decorator_list:
        return False
    parents = {child: node for node in ast.walk(function) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id in _INTROSPECTION:
            return False
        if isinstance(node, ast.Global | ast.Nonlocal) and name in node.names:
            return False
        if isinstance(node, ast.arg) and node.arg == name and parents[parents[node]] is not function:
            return False  # a nested function's own parameter of that name
        if isinstance(node, ast.arg) and node.arg == name and node in (function.args.vararg, function.args.kwarg):
            return False
        if (
            isinstance(node, ast.Name)
            and node.id == name
            and (not isinstance(node.ctx, ast.Load) or not _read_as_wording(node, parents, callee, package))
        ):
            return False
    return True


def _read_as_wording(name: ast.Name, parents: dict[ast.AST, ast.AST], callee: _Callee, package: Package) -> bool:
    """This read of the parameter is a value in a log call, a value in the f-string message of a raised
    exception, or an argument of a function of the package that reads it only as wording."""
    node: ast.AST = name
    parent = parents[node]
    in_text = in_dict = False
    if isinstance(parent, ast.FormattedValue):
        if parent.format_spec is not None:  # a format spec may fail on another value (None)
            return False
        node, in_text = parents[parent], True
        parent = parents[node]
    if isinstance(parent, ast.Dict) and any(node is v for v in parent.values):  # `extra={"operation": operation}`
        node, in_dict = parent, True
        parent = parents[node]
    keyword = parent if isinstance(parent, ast.keyword) else None
    if keyword is not None:
        parent = parents[keyword]
    if not isinstance(parent, ast.Call) or (keyword is None and not any(node is a for a in parent.args)):
        return False
    statement = parents.get(parent)
    if isinstance(statement, ast.Expr) and statement.value is parent and _is_log_call(statement):
        return True
    if isinstance(statement, ast.Raise) and statement.exc is parent:
        return (
            in_text
            and not in_dict
            and keyword is None
            and parent.args[0] is node
            and _message_only_exception(package, callee.module, parent.func)
        )
    if in_text or in_dict:
        return False  # passed on inside a text or a dict: not followed
    argument: int | str | None = (
        keyword.arg if keyword is not None else next(i for i, a in enumerate(parent.args) if a is node)
    )
    callees = _callees(parent, Where(package, callee.module, callee.class_name), callee.node)
    if not callees or argument is None:
        return False
    for onward in callees:
        parameter = _parameter(onward, parent, argument)
        if parameter is None or not _only_worded(onward, parameter, package):
            return False
    return True


def _pure(node: ast.expr) -> bool:
    """An argument whose evaluation does nothing and cannot fail: a constant, a name, an attribute of one, or an
    f-string of those (changing or dropping it changes only the value passed)."""
    if isinstance(node, ast.Constant | ast.Name):
        return True
    if isinstance(node, ast.Attribute):
        return _pure(node.value)
    if isinstance(node, ast.JoinedStr):
        return all(
            isinstance(v, ast.Constant)
            or (isinstance(v, ast.FormattedValue) and v.format_spec is None and _pure(v.value))
            for v in node.values
        )
    return False


class _Elsewhere(Exception):
    """The trees differ in more than one place."""


def _difference(old: ast.AST, new: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
    """The pairs (old, new) from the roots down to the one place two different trees differ."""
    if type(old) is not type(new):
        return [(old, new)]
    places: list[tuple[ast.AST, ast.AST] | None] = []  # None: here (a value or a list's length)
    for name, before in ast.iter_fields(old):
        after = getattr(new, name, None)
        if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
            for b, a in zip(before, after, strict=True):
                if isinstance(b, ast.AST) and isinstance(a, ast.AST):
                    if ast.dump(b) != ast.dump(a):
                        places.append((b, a))
                elif b != a:
                    places.append(None)
        elif isinstance(before, ast.AST) and isinstance(after, ast.AST):
            if ast.dump(before) != ast.dump(after):
                places.append((before, after))
        elif isinstance(before, ast.AST) or isinstance(after, ast.AST) or before != after:
            places.append(None)
    if len(places) != 1:
        raise _Elsewhere
    place = places[0]
    return [(old, new)] if place is None else [(old, new), *_difference(*place)]


def _dropped(before: ast.Call, after: ast.Call) -> tuple[int | str, ast.expr] | None:
    """The argument the mutant drops: the last positional one, or a keyword; None otherwise."""
    dump = ast.dump
    if [dump(k) for k in before.keywords] == [dump(k) for k in after.keywords]:
        if len(before.args) == len(after.args) + 1 and [dump(a) for a in before.args[:-1]] == [
            dump(a) for a in after.args
        ]:
            return len(after.args), before.args[-1]
        return None
    if [dump(a) for a in before.args] != [dump(a) for a in after.args]:
        return None
    for index, keyword in enumerate(before.keywords):
        rest = before.keywords[:index] + before.keywords[index + 1 :]
        if keyword.arg is not None and [dump(k) for k in rest] == [dump(k) for k in after.keywords]:
            return keyword.arg, keyword.value
    return None


def _argument_only_worded(old: ast.stmt, new: ast.stmt, caller: _Def, where: Where) -> bool:
    """The statements differ in one argument of one call, changed (both values pure) or dropped (where the
    parameter has a default), and every function the call may run reads that parameter only as wording."""
    try:
        path = _difference(_shallow(old), _shallow(new))
    except _Elsewhere:
        return False
    before, after = path[-1]
    argument: int | str
    dropped = isinstance(before, ast.Call) and isinstance(after, ast.Call)
    if isinstance(before, ast.Call) and isinstance(after, ast.Call):
        found = _dropped(before, after)
        if found is None or not _pure(found[1]):
            return False
        call, argument = before, found[0]
    else:
        for index in range(len(path) - 2, -1, -1):
            holder, (old_child, new_child) = path[index][0], path[index + 1]
            if isinstance(holder, ast.Call):
                break
        else:
            return False
        if any(old_child is a for a in holder.args):
            argument = next(i for i, a in enumerate(holder.args) if a is old_child)
            old_value, new_value = old_child, new_child
        elif (
            isinstance(old_child, ast.keyword)
            and isinstance(new_child, ast.keyword)
            and old_child.arg is not None
            and old_child.arg == new_child.arg
        ):
            argument, old_value, new_value = old_child.arg, old_child.value, new_child.value
        else:
            return False  # the called function itself changed
        if not (isinstance(old_value, ast.expr) and isinstance(new_value, ast.expr)):
            return False
        if not (_pure(old_value) and _pure(new_value)):
            return False
        call = holder
    callees = _callees(call, where, caller)
    if not callees:
        return False
    for callee in callees:
        parameter = _parameter(callee, call, argument)
        if parameter is None or (dropped and not _has_default(callee, parameter)):
            return False
        if not _only_worded(callee, parameter, where.package):
            return False
    return True
