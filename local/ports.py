"""Free TCP ports on 127.0.0.1 for local clouds started side by side (tests, benches, `make invoke`).

Ports are drawn from below Linux's ephemeral range (32768 and up), so a port handed out here cannot
be taken meanwhile by a socket that some other process binds to port 0.

A probe only shows a port is free now; the server binds it seconds later (moto, the API front). Two
processes that probe at once (pytest-xdist workers each starting a cloud) could be handed the same
port, so a port handed out is also claimed with a file that only one process can create, and is not
handed out again while the claiming process lives.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import tempfile
from pathlib import Path

_LOW, _HIGH = 20000, 32000
_CLAIMS = Path(tempfile.gettempdir()) / "messenger-bank-ports"


def free_port() -> int:
    for _ in range(200):
        port = random.randint(_LOW, _HIGH)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        if _claim(port):
            return port
    raise RuntimeError(f"no free port between {_LOW} and {_HIGH}")


def _claim(port: int) -> bool:
    """Claim `port` for this process; False if a living process claimed it first."""
    _CLAIMS.mkdir(exist_ok=True)
    claim = _CLAIMS / str(port)
    # The claim appears whole with its pid in it (a hard link made of a written file), or not at all.
    with tempfile.NamedTemporaryFile("w", dir=_CLAIMS, prefix=".", delete=False) as draft:
        draft.write(str(os.getpid()))
    try:
        for _ in range(2):
            try:
                os.link(draft.name, claim)
            except FileExistsError:
                if _claimant_lives(claim):
                    return False
                with contextlib.suppress(FileNotFoundError):
                    claim.unlink()  # a claim left by a process that has ended
                continue
            return True
        return False
    finally:
        os.unlink(draft.name)


def _claimant_lives(claim: Path) -> bool:
    try:
        pid = int(claim.read_text())
    except FileNotFoundError:
        return False  # released meanwhile: the next try settles it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
