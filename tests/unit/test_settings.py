"""The environment is read only by the settings models (issue 15): a context's variables are declared,
typed and defaulted in its ``settings.py`` and read once per cold start through ``configuration.read_once``,
never by ``os.environ`` / ``os.getenv`` in the code that uses them."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import AliasChoices, Field, ValidationError

from messenger_bank.configuration import EnvironmentSettings, read_once
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


class Limits(EnvironmentSettings):
    """A settings model as a context writes one: a prefix, an alias read without it, a bound."""

    environment_prefix: ClassVar[str] = "LIMITS_"

    per_day: int = Field(default=100, ge=1)
    currency: str = Field(default="BYN", validation_alias=AliasChoices("currency", "BANK_CURRENCY"))
    note: str | None = None


class LimitsEmptyUnset(Limits):
    empty_is_unset: ClassVar[bool] = True


def test_a_field_is_read_from_its_prefixed_variable_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMITS_PER_DAY", "7")
    monkeypatch.setenv("limits_note", "lower case")
    assert Limits().per_day == 7
    assert Limits().note == "lower case"


def test_without_its_prefix_a_field_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PER_DAY", "7")
    assert Limits().per_day == 100


def test_an_aliased_field_is_read_from_its_aliases_without_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMITS_CURRENCY", "USD")  # the prefixed name is not one of its names
    assert Limits().currency == "BYN"
    monkeypatch.setenv("BANK_CURRENCY", "EUR")
    assert Limits().currency == "EUR"
    monkeypatch.setenv("CURRENCY", "RUB")  # the first alias first
    assert Limits().currency == "RUB"


def test_values_given_win_over_the_environment_by_name_or_by_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMITS_PER_DAY", "7")
    monkeypatch.setenv("BANK_CURRENCY", "EUR")
    assert Limits(per_day=9).per_day == 9
    assert Limits(currency="USD").currency == "USD"
    assert Limits(BANK_CURRENCY="USD").currency == "USD"


def test_a_value_out_of_its_bounds_is_refused_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMITS_PER_DAY", "0")
    with pytest.raises(ValidationError, match="per_day"):
        Limits()


def test_an_empty_variable_is_a_value_unless_the_model_says_it_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMITS_NOTE", "")
    assert Limits().note == ""
    assert LimitsEmptyUnset().note is None
    monkeypatch.setenv("LIMITS_PER_DAY", "")
    with pytest.raises(ValidationError, match="per_day"):
        Limits()
    assert LimitsEmptyUnset().per_day == 100


def test_an_unknown_value_given_is_refused() -> None:
    with pytest.raises(ValidationError, match="per_week"):
        Limits(per_week=1)


def test_settings_are_frozen() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        Limits().per_day = 5  # type: ignore[misc]


def test_the_variables_of_another_process_are_read_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMITS_NOTE", "this process")
    other = Limits.of_variables({"LIMITS_PER_DAY": "3"})
    assert (other.per_day, other.note) == (3, None)
