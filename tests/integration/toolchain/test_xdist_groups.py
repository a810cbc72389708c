"""The end-to-end suites need xdist's `loadgroup` to keep a module's tests on one worker (they share its local
cloud and the chats they build; tests/e2e/conftest.py adds the groups at collection). pytest 9.2 stopped reading
the ids xdist 3.8 rewrites for that (pytest-dev/pytest-xdist#1386), and nothing failed: every test went to any
worker. This runs the same kind of grouping in a pytest of its own and fails if a group is split."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CONFTEST = """
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.xdist_group("unit-" + item.module.__name__.rsplit("_", 1)[-1]))
"""

MODULE = """
import os
import pytest

@pytest.mark.parametrize("n", range(6))
def test_where(n):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "none")
    with open(os.path.join({out!r}, "{name}-" + str(n)), "w") as f:
        f.write(worker)
"""


def test_a_group_added_at_collection_runs_on_one_worker(tmp_path: Path) -> None:
    suite, out = tmp_path / "suite", tmp_path / "out"
    suite.mkdir()
    out.mkdir()
    (suite / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    for name in ("test_a", "test_b"):
        (suite / f"{name}.py").write_text(MODULE.format(out=str(out), name=name), encoding="utf-8")

    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup", "-p", "no:randomly", str(suite)],
        cwd=suite,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    workers = {name: {(out / f"{name}-{n}").read_text() for n in range(6)} for name in ("test_a", "test_b")}
    assert all(len(ran_on) == 1 for ran_on in workers.values()), f"a group was split across workers: {workers}"
