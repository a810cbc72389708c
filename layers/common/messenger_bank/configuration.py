"""What every context's settings share: a pydantic-settings model per context (in its ``settings.py``), read
from the environment once per cold start by the accessor ``read_once`` makes."""

from __future__ import annotations

from functools import _lru_cache_wrapper, cache

from pydantic_settings import BaseSettings

_ACCESSORS: list[_lru_cache_wrapper[BaseSettings]] = []


def read_once[S: BaseSettings](model: type[S]) -> _lru_cache_wrapper[S]:
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
