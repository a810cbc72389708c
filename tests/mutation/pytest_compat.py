"""A pytest plugin loaded only by mutation runs (``-p tests.mutation.pytest_compat``).

mutmut 3.7 (the newest that allows the click aws-sam-cli pins) reads ``item._nodeid``, which pytest 9 no longer
sets; mutmut 3.8 reads ``item.nodeid`` but needs a newer click. Giving each item the old attribute is the whole fix.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item._nodeid = item.nodeid  # type: ignore[attr-defined]
