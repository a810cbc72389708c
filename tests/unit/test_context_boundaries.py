"""Contexts reach each other through their services: outside ``customers/`` no module imports
``customers.repository`` (the customers table is read and written through ``customers.service``), and
outside ``banking/`` none imports ``banking.clients`` (the bank is asked through ``banking.service``).

Imports are read with ``ast`` (top-level and inside functions alike); tests may still use the
repositories directly."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LAYER = Path(__file__).resolve().parents[2] / "layers" / "common" / "messenger_bank"

# module prefix -> the context package allowed to import it
PRIVATE = {
    "messenger_bank.customers.repository": "customers",
    "messenger_bank.banking.clients": "banking",
}

# "<path under messenger_bank>:<imported module>" -> why the boundary does not apply. Empty today.
ALLOWED: dict[str, str] = {}


def imported_modules(source: str) -> set[str]:
    """Every module an ``import`` or ``from ... import`` names (relative imports are not used here)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # ``from messenger_bank.banking import clients`` names the private module too
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def crossings(path: Path, source: str) -> list[str]:
    relative = path.relative_to(LAYER).as_posix()
    context = relative.split("/", 1)[0]
    found = []
    for module in sorted(imported_modules(source)):
        for private, owner in PRIVATE.items():
            crosses = (module == private or module.startswith(private + ".")) and context != owner
            if crosses and f"{relative}:{private}" not in ALLOWED:
                found.append(f"{relative} imports {module}")
    return found


def test_no_context_imports_another_contexts_repository_or_clients() -> None:
    found = [line for path in sorted(LAYER.rglob("*.py")) for line in crossings(path, path.read_text("utf-8"))]

    assert found == []


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("transfers/service.py", "from messenger_bank.customers.repository import CustomersRepository\n"),
        ("cards/service.py", "def f():\n    from messenger_bank.banking.clients.core import CoreClient\n"),
        ("programs/bank.py", "import messenger_bank.banking.clients.partners\n"),
        ("signin/service.py", "from messenger_bank.banking import clients\n"),
    ],
)
def test_the_check_finds_a_crossing_however_it_is_written(path: str, source: str) -> None:
    assert crossings(LAYER / path, source) != []


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("customers/service.py", "from messenger_bank.customers.repository import CustomersRepository\n"),
        ("banking/service.py", "from messenger_bank.banking.clients.core import CoreClient\n"),
        ("transfers/service.py", "from messenger_bank.customers.service import CustomersRepository\n"),
        ("transfers/service.py", "from messenger_bank.banking.service import CoreClient\n"),
    ],
)
def test_a_context_may_import_its_own_private_modules_and_anyones_service(path: str, source: str) -> None:
    assert crossings(LAYER / path, source) == []
