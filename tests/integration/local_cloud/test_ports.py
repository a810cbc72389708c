"""Ports for clouds started side by side: a port handed to one process is not handed to another while
the first lives, even when both probe it free at the same moment."""

from __future__ import annotations

import multiprocessing
import os
import random
import subprocess
import sys
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

import local.ports as ports


@pytest.fixture
def claims(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(ports, "_CLAIMS", tmp_path)
    return tmp_path


def test_a_port_handed_out_is_claimed_with_this_process_id(claims: Path) -> None:
    port = ports.free_port()
    assert (claims / str(port)).read_text() == str(os.getpid())


def test_a_port_a_living_process_claimed_is_not_handed_out(claims: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "randint", lambda low, high: 24_001)
    (claims / "24001").write_text(str(os.getppid()))  # the parent lives while this test runs
    with pytest.raises(RuntimeError, match="no free port"):
        ports.free_port()


def test_a_port_is_not_handed_out_twice_in_one_process(claims: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "randint", lambda low, high: 24_002)
    assert ports.free_port() == 24_002
    with pytest.raises(RuntimeError, match="no free port"):
        ports.free_port()


def test_a_claim_left_by_an_ended_process_is_taken_over(claims: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (claims / "24003").write_text(ended.stdout.strip())
    monkeypatch.setattr(random, "randint", lambda low, high: 24_003)
    assert ports.free_port() == 24_003
    assert (claims / "24003").read_text() == str(os.getpid())


def _hand_out(claims: str, queue: multiprocessing.Queue[int], done: Event) -> None:
    ports._CLAIMS = Path(claims)
    random.seed(7)  # every process draws the same ports in the same order
    queue.put(ports.free_port())
    done.wait(60)  # alive, as a cloud's process is while its servers run


def test_processes_drawing_the_same_ports_at_once_get_different_ones(claims: Path) -> None:
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[int] = context.Queue()
    done = context.Event()
    workers = [context.Process(target=_hand_out, args=(str(claims), queue, done)) for _ in range(4)]
    for worker in workers:
        worker.start()
    handed = [queue.get(timeout=60) for _ in workers]
    done.set()
    for worker in workers:
        worker.join()
    assert len(set(handed)) == 4, handed
