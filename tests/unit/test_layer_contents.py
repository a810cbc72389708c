"""The deployed layer holds only what runs in a Lambda: no development tool, nothing importing one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common" / "messenger_bank"
# Packages beside the layer that are never deployed: a layer module importing one breaks in a Lambda.
NOT_DEPLOYED = frozenset({"local", "tests", "bench"})
# Development tools that once lived in the layer; they belong in local/devtools/.
DEV_ONLY_MODULES = frozenset({"lint", "graph", "diagram", "training", "nlu_training", "build"})
DEV_ONLY_FILES = ("intents.*.yaml",)  # the NLU training phrases: local/devtools/nlu_data/


def imported_roots(source: str) -> set[str]:
    """The top-level package of every absolute import, including those inside functions."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize(
    ("source", "root"),
    [
        ("import local.devtools.lint", "local"),
        ("from tests.support import functions", "tests"),
        ("def f():\n    from bench.nlu import train\n", "bench"),
    ],
)
def test_the_import_check_sees_each_kind_of_import(source: str, root: str) -> None:
    assert root in imported_roots(source)


def test_a_relative_import_is_not_taken_for_a_top_level_package() -> None:
    assert imported_roots("from .local import x") == set()


def test_no_layer_module_imports_from_a_package_that_is_not_deployed() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {', '.join(sorted(roots))}"
        for path in sorted(LAYER.rglob("*.py"))
        if (roots := imported_roots(path.read_text(encoding="utf-8")) & NOT_DEPLOYED)
    ]
    assert offenders == []


def test_no_development_tool_is_in_the_layer() -> None:
    modules = [path.relative_to(ROOT) for path in LAYER.rglob("*.py") if path.stem in DEV_ONLY_MODULES]
    files = [path.relative_to(ROOT) for pattern in DEV_ONLY_FILES for path in LAYER.rglob(pattern)]
    assert modules == []
    assert files == []
