"""Every function has a sample event under `events/<function>/`, and `make invoke` runs it.

The samples were recorded from the local cloud while the end-to-end journeys ran (session tokens
replaced by a placeholder). Run against a fresh local cloud, each must be taken as its function's
input: the answer is a result, an HTTP answer below 500, or a refusal the bank's domain names
(`SessionInvalid` for an operation whose sample session is long gone, `CustomerNotFound`...) — never a
shape error, which would mean the sample no longer matches its function.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import messenger_bank
from local.cloud.cloud import LocalCloud
from local.cloud.config import CloudConfig
from local.invoke import invoke, logical_id_for
from messenger_bank.errors import DomainError
from tests.support.functions import code_dirs

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sample-events")]


def samples() -> list[tuple[str, Path]]:
    return [(name, path) for name in sorted(code_dirs()) for path in sorted((EVENTS / name).glob("*.json"))]


@cache
def domain_error_names() -> frozenset[str]:
    """The names a function may fail with when it refuses (errors.py: the class name is the errorType)."""
    for module in pkgutil.walk_packages(messenger_bank.__path__, "messenger_bank."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    names: set[str] = set()
    todo: list[type[Exception]] = [DomainError]
    while todo:
        error = todo.pop()
        names.add(error.__name__)
        todo.extend(error.__subclasses__())
    return frozenset(names)


@pytest.fixture(scope="module")
def running_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A local cloud as `make run` leaves one (its state file says where it is), without queue polling:
    a sample webhook is queued, not answered, so no other chat is touched."""
    state_dir = tmp_path_factory.mktemp("invoke-cloud")
    # A stack and region of its own: moto's backends are shared by every local cloud in this process.
    config = CloudConfig.on_free_ports(stack_name="sample-events", region="eu-west-3")
    with LocalCloud(config, state_dir=state_dir, echo_logs=False, poll_queues=False):
        yield state_dir


def test_every_function_has_a_sample_event() -> None:
    without = sorted(name for name in code_dirs() if not list((EVENTS / name).glob("*.json")))

    assert without == []


def test_every_sample_is_valid_json_of_an_object() -> None:
    for _name, path in samples():
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), path


@pytest.mark.parametrize(("function", "event"), samples(), ids=[f"{name}/{path.name}" for name, path in samples()])
def test_make_invoke_runs_the_sample(
    running_cloud: Path, monkeypatch: pytest.MonkeyPatch, function: str, event: Path
) -> None:
    monkeypatch.setenv("LOCAL_STATE_DIR", str(running_cloud))

    error, answer = invoke(logical_id_for(function), event.read_bytes())

    if error:
        assert isinstance(answer, dict), answer
        assert answer.get("errorType") in domain_error_names(), answer
    elif isinstance(answer, dict) and "statusCode" in answer:
        assert int(answer["statusCode"]) < 500, answer
