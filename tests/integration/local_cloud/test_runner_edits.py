"""An edited function is a new deployment for the Lambda runner (`make run` while the code is being written):
its next call, once the runner has looked at the files again, starts a fresh environment with the new code."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from local.cloud import runner
from local.cloud.runner import FunctionSpec, LambdaRunner

HANDLER = 'def lambda_handler(event, context):\n    return "{answer}"\n'


def spec_in(folder: Path) -> FunctionSpec:
    return FunctionSpec(
        name="test-EditedFunction",
        logical_id="EditedFunction",
        arn="arn:aws:lambda:eu-central-1:123456789012:function:test-EditedFunction",
        code_dir=folder,
        layer_dirs=(),
        handler="app.lambda_handler",
        runtime="python3.13",
        timeout_s=5,
        memory_mb=128,
    )


@contextmanager
def runner_of(folder: Path, answer: str, idle_s: float | None = None) -> Iterator[LambdaRunner]:
    """A runner of one function in `folder` whose handler answers `answer`, stopped afterwards."""
    (folder / "app.py").write_text(HANDLER.format(answer=answer), encoding="utf-8")
    lambdas = LambdaRunner(
        {"test-EditedFunction": spec_in(folder)},
        base_env={"PATH": os.environ.get("PATH", "")},
        log=lambda *_: None,
        idle_s=idle_s,
    )
    try:
        yield lambdas
    finally:
        lambdas.stop()


def test_an_edited_function_answers_with_its_new_code_from_a_fresh_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "CODE_CHECK_INTERVAL_S", 0.2)
    app = tmp_path / "app.py"
    with runner_of(tmp_path, "before") as lambdas:
        first = lambdas.invoke("test-EditedFunction", "{}")
        warm = lambdas.invoke("test-EditedFunction", "{}")
        app.write_text(HANDLER.format(answer="after"), encoding="utf-8")
        edited_at = time.time() + 5  # later than any mtime the first version can have, however coarse the clock
        os.utime(app, (edited_at, edited_at))
        time.sleep(0.25)  # past the check interval: the runner looks at the files again on the next call
        edited = lambdas.invoke("test-EditedFunction", "{}")

    assert (first.json(), first.cold) == ("before", True)
    assert (warm.json(), warm.cold) == ("before", False)
    assert (edited.json(), edited.cold) == ("after", True)


def test_an_environment_left_idle_is_shut_down_and_the_next_call_starts_cold(tmp_path: Path) -> None:
    with runner_of(tmp_path, "hello", idle_s=0.3) as lambdas:
        first = lambdas.invoke("test-EditedFunction", "{}")
        warm = lambdas.invoke("test-EditedFunction", "{}")
        kept = lambdas.warm_environments()
        deadline = time.monotonic() + 10
        while lambdas.warm_environments() and time.monotonic() < deadline:
            time.sleep(0.05)
        reaped = lambdas.warm_environments()
        after = lambdas.invoke("test-EditedFunction", "{}")

    assert (first.cold, warm.cold, kept) == (True, False, 1)
    assert reaped == 0
    assert (after.json(), after.cold) == ("hello", True)


def test_an_environment_in_use_is_not_shut_down(tmp_path: Path) -> None:
    """Idle means between calls: calls closer together than the idle time keep one warm environment."""
    with runner_of(tmp_path, "hello", idle_s=2.0) as lambdas:
        calls = [lambdas.invoke("test-EditedFunction", "{}")]
        for _ in range(12):
            time.sleep(0.25)
            calls.append(lambdas.invoke("test-EditedFunction", "{}"))

    assert [call.cold for call in calls] == [True] + [False] * 12


def test_cooling_down_shuts_every_idle_environment_and_the_next_call_starts_cold(tmp_path: Path) -> None:
    with runner_of(tmp_path, "hello") as lambdas:
        first = lambdas.invoke("test-EditedFunction", "{}")
        warm = lambdas.invoke("test-EditedFunction", "{}")
        shut = lambdas.cool_down()
        left = lambdas.warm_environments()
        after = lambdas.invoke("test-EditedFunction", "{}")
        again = lambdas.invoke("test-EditedFunction", "{}")

    assert (first.cold, warm.cold) == (True, False)
    assert (shut, left) == (1, 0)
    assert (after.json(), after.cold, again.cold) == ("hello", True, False)


def test_cooling_down_some_functions_leaves_the_others_warm(tmp_path: Path) -> None:
    with runner_of(tmp_path, "hello") as lambdas:
        lambdas.invoke("test-EditedFunction", "{}")
        kept = lambdas.cool_down(["AnotherFunction"])
        warm = lambdas.invoke("test-EditedFunction", "{}")
        shut = lambdas.cool_down(["EditedFunction"])
        cold = lambdas.invoke("test-EditedFunction", "{}")

    assert (kept, warm.cold) == (0, False)
    assert (shut, cold.cold) == (1, True)
