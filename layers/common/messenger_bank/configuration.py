"""What every context's settings share: a model per context (in its ``settings.py``), read from the environment
once per cold start by the accessor ``read_once`` makes.

Written here, not taken from pydantic-settings: that package's import (asyncio, argparse, dotenv and its sources)
was ~28 ms of CPU in every function's cold start (issue 20), to do what the few lines below do with pydantic
itself: a variable per field, named as the field in upper case, and validated as any request is.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import _lru_cache_wrapper, cache
from typing import Any, ClassVar, Self

from pydantic import AliasChoices, BaseModel, ConfigDict, ValidationInfo, model_validator


class EnvironmentSettings(BaseModel):
    """A context's settings: each field from the variable ``environment_prefix`` + its name (in any case), or
    from the names its ``validation_alias`` gives (no prefix then); values passed to the constructor win.
    ``empty_is_unset``: a variable set to "" is left out, so the field keeps its default."""

    # Built when first read: a function imports the settings of every module it loads and reads a few of them.
    model_config = ConfigDict(
        defer_build=True, frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True
    )

    environment_prefix: ClassVar[str] = ""
    empty_is_unset: ClassVar[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _with_the_environment(cls, values: Any, info: ValidationInfo) -> Any:
        if not isinstance(values, Mapping):
            return values
        variables = (info.context or {}).get("environment", os.environ)
        return {**cls.read(variables, given=values), **values}

    @classmethod
    def of_variables(cls, variables: Mapping[str, str]) -> Self:
        """The settings of a process whose environment is ``variables`` (and nothing else)."""
        return cls.model_validate({}, context={"environment": variables})

    @classmethod
    def variable_names(cls, field: str) -> tuple[str, ...]:
        """The variables a field is read from, first found first."""
        alias = cls.model_fields[field].validation_alias
        if isinstance(alias, AliasChoices):
            return tuple(choice.upper() for choice in alias.choices if isinstance(choice, str))
        if isinstance(alias, str):
            return (alias.upper(),)
        return ((cls.environment_prefix + field).upper(),)

    @classmethod
    def read(cls, variables: Mapping[str, str], given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The fields ``variables`` set, by field name; none that ``given`` names (by name or alias)."""
        environment = {name.upper(): value for name, value in variables.items()}
        passed = {name.upper() for name in given or {}}
        found: dict[str, Any] = {}
        for field in cls.model_fields:
            names = cls.variable_names(field)
            if field.upper() in passed or passed.intersection(names):
                continue
            for name in names:
                value = environment.get(name)
                if value is None or (value == "" and cls.empty_is_unset):
                    continue
                found[field] = value
                break
        return found


_ACCESSORS: list[_lru_cache_wrapper[EnvironmentSettings]] = []


def read_once[S: EnvironmentSettings](model: type[S]) -> _lru_cache_wrapper[S]:
    """``model()`` on the first call, the same object afterwards (a Lambda's environment does not change)."""

    @cache
    def read() -> S:
        return model()

    _ACCESSORS.append(read)
    return read


def forget_settings() -> None:
    """Read the environment again on next use: for tests, which change it between cases."""
    for accessor in _ACCESSORS:
        accessor.cache_clear()
