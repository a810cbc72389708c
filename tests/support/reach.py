"""What a function's code can reach in the layer, read from the source (ast), without importing it.

An over-approximation by name: from the handler's module, every top-level function or class it names,
and theirs in turn (through `from x import y`, `import x` and `x.y`), plus each reached module's
top-level code. Tests use it as an oracle independent of the template: which of banking/service.py's
client factories a function can call, so its secret grants can be checked against its code.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common"
MODULE_CODE = "<module>"


def _module_name(path: Path, base: Path) -> str:
    parts = path.relative_to(base).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


class _Module:
    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        self.imports: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = self._absolute(node.level, node.module)
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{source}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
        self.definitions: dict[str, ast.AST] = {}
        rest: list[ast.stmt] = []
        for statement in tree.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.definitions[statement.name] = statement
            else:
                rest.append(statement)
        self.definitions[MODULE_CODE] = ast.Module(body=rest, type_ignores=[])
        self._names_used: dict[str, frozenset[str]] = {}  # each definition walked once, not once a function

    def _absolute(self, level: int, module: str | None) -> str:
        if level == 0:
            return module or ""
        parts = self.name.split(".") if self.is_package else self.name.split(".")[:-1]
        parts = parts[: len(parts) - (level - 1)]
        return ".".join([*parts, *([module] if module else [])])

    def names_used(self, definition: str) -> frozenset[str]:
        """Qualified names the definition mentions: `x` as this module's or its import, `a.b.c` as each prefix."""
        if definition not in self._names_used:
            self._names_used[definition] = frozenset(self._walk(definition))
        return self._names_used[definition]

    def _walk(self, definition: str) -> set[str]:
        found: set[str] = set()
        for node in ast.walk(self.definitions[definition]):
            if isinstance(node, ast.Name):
                found.add(self.imports.get(node.id, f"{self.name}.{node.id}"))
            elif isinstance(node, ast.Attribute):
                chain: list[str] = []
                value: ast.expr = node
                while isinstance(value, ast.Attribute):
                    chain.append(value.attr)
                    value = value.value
                if isinstance(value, ast.Name):
                    chain.reverse()
                    base = self.imports.get(value.id, f"{self.name}.{value.id}")
                    found.update(".".join([base, *chain[:i]]) for i in range(1, len(chain) + 1))
        return found


@cache
def _layer() -> dict[str, _Module]:
    return {
        _module_name(p, LAYER): _Module(_module_name(p, LAYER), p) for p in (LAYER / "messenger_bank").rglob("*.py")
    }


def reachable(code_uri: str, *, without: frozenset[str] = frozenset()) -> set[str]:
    """Qualified names of the layer's definitions the function at `code_uri` (its app.py) can reach, not
    going through the definitions in `without` (a path a caller knows the function never takes)."""
    return set(_reachable(code_uri, without))


@cache  # several tests ask for every function's reach; the code does not change during a run
def _reachable(code_uri: str, without: frozenset[str]) -> frozenset[str]:
    modules = dict(_layer())
    handler = _Module("handler", ROOT / code_uri / "app.py")
    modules["handler"] = handler
    seen: set[str] = set()
    todo = [f"handler.{name}" for name in handler.definitions]
    while todo:
        qualified = todo.pop()
        module_name, _, name = qualified.rpartition(".")
        module = modules.get(module_name)
        if qualified in seen or qualified in without or module is None or name not in module.definitions:
            continue
        seen.add(qualified)
        todo.append(f"{module_name}.{MODULE_CODE}")
        for used in module.names_used(name):
            todo.append(used)
            if used in modules:  # `import x.y` then `x.y.z`: the module's own top-level code runs
                todo.append(f"{used}.{MODULE_CODE}")
    return frozenset(seen)
