"""Free TCP ports on 127.0.0.1 for local clouds started side by side (tests, benches, `make invoke`).

Ports are drawn from below Linux's ephemeral range (32768 and up), so a port handed out here cannot
be taken meanwhile by a socket that some other process binds to port 0.
"""

from __future__ import annotations

import random
import socket

_LOW, _HIGH = 20000, 32000


def free_port() -> int:
    for _ in range(200):
        port = random.randint(_LOW, _HIGH)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between {_LOW} and {_HIGH}")
