"""`make run`: the whole system comes up from a script (no terminal), says where it is, and stops
cleanly on SIGTERM or SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from local.ports import free_port
from local.sandbox.config import DEFAULT_PORTS

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def test_make_run_prints_where_things_are_and_stops_cleanly_on_sigint_and_on_sigterm(tmp_path: Path) -> None:
    # One after the other, in one test: `make run` uses the sandbox's documented ports, which two runs
    # at the same time would both want.
    for stop_with in (signal.SIGINT, signal.SIGTERM):
        run_until(stop_with, tmp_path / stop_with.name)


def run_until(stop_with: signal.Signals, tmp_path: Path) -> None:
    tmp_path.mkdir()
    ports = {name: str(free_port()) for name in ("API_PORT", "MOTO_PORT", "PLATFORMS_PORT", "OPS_PORT")}
    if any(_in_use(port) for port in DEFAULT_PORTS.values()):
        pytest.skip("the bank sandbox's documented ports are taken on this machine (a `make run` is going)")
    env = {
        **os.environ,
        **ports,
        "PYTHONPATH": f"{ROOT / 'layers' / 'common'}{os.pathsep}{ROOT}",
        "LOCAL_STATE_DIR": str(tmp_path),
        "LOCAL_ECHO_LOGS": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "local.cloud"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed = _read_until(process, "Ctrl-C stops it all.", timeout_s=90)

        assert f"http://127.0.0.1:{ports['PLATFORMS_PORT']}/chat" in printed
        assert f"http://127.0.0.1:{ports['API_PORT']}/webhooks/" in printed
        assert httpx.get(f"http://127.0.0.1:{ports['PLATFORMS_PORT']}/chat").status_code == 200
        assert httpx.post(f"http://127.0.0.1:{ports['API_PORT']}/webhooks/telegram", json={}).status_code == 401
    finally:
        process.send_signal(stop_with)
        code = process.wait(timeout=30)

    assert code == 0
    assert not (tmp_path / "cloud.json").exists()  # `make executions` no longer finds it running


def _in_use(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _read_until(process: subprocess.Popen[str], marker: str, timeout_s: float) -> str:
    assert process.stdout is not None
    seen = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError("make run did not come up:\n" + "".join(seen)[-3000:])
