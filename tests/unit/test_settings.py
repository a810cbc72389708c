"""The environment is read only by the settings models (issue 15): a context's variables are declared,
typed and defaulted in its ``settings.py`` and read once per cold start through ``configuration.read_once``,
never by ``os.environ`` / ``os.getenv`` in the code that uses them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from messenger_bank.configuration import read_once
from messenger_bank.settings import StackSettings

ROOT = Path(__file__).resolve().parents[2]
SCANNED = (ROOT / "layers/common/messenger_bank", ROOT / "functions")
SETTINGS_MODULES = {"settings.py", "configuration.py"}
# Modules that may read the environment themselves, each with the reason.
ALLOWED = {
    # Powertools' own POWERTOOLS_METRICS_NAMESPACE, read as Powertools reads it, with the bank's default
    # for scripts and tests that emit a metric outside a function.
    "layers/common/messenger_bank/observability.py",
}


def environment_reads(source: str) -> list[int]:
    """The lines of ``os.environ`` / ``os.getenv`` / ``os.putenv`` uses and ``from os import environ`` imports."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in {"environ", "getenv", "environb", "getenvb"}
        ):
            lines.append(node.lineno)
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in {"environ", "getenv", "environb", "getenvb"} for alias in node.names)
        ):
            lines.append(node.lineno)
    return lines


def test_the_scan_finds_each_way_of_reading_the_environment() -> None:
    assert environment_reads("import os\nx = os.environ['A']\n") == [2]
    assert environment_reads("import os\nx = os.getenv('A')\n") == [2]
    assert environment_reads("from os import environ\n") == [1]
    assert environment_reads("import os\nx = os.path.join('a', 'b')\n") == []


def test_only_settings_modules_read_the_environment() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in SCANNED
        for path in sorted(folder.rglob("*.py"))
        if path.name not in SETTINGS_MODULES and str(path.relative_to(ROOT)) not in ALLOWED
        for line in environment_reads(path.read_text())
    ]
    assert found == [], "read the environment through the context's settings.py model: " + ", ".join(found)


def test_the_allowed_modules_still_need_their_place() -> None:
    for module in ALLOWED:
        assert environment_reads((ROOT / module).read_text()), f"{module} reads no environment: drop it from ALLOWED"


def test_settings_are_read_once_until_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    from messenger_bank.configuration import forget_settings

    accessor = read_once(StackSettings)
    monkeypatch.setenv("CUSTOMERS_TABLE", "first")
    assert accessor().customers_table == "first"
    monkeypatch.setenv("CUSTOMERS_TABLE", "second")
    assert accessor().customers_table == "first"
    forget_settings()
    assert accessor().customers_table == "second"


def test_a_required_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRETS_PREFIX", raising=False)
    with pytest.raises(RuntimeError, match="SECRETS_PREFIX"):
        StackSettings().secrets_path()
    monkeypatch.setenv("SECRETS_PREFIX", "/mb")
    assert StackSettings().secrets_path() == "/mb"
