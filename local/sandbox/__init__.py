"""The sandbox bank: every bank system on its real protocol, on 127.0.0.1, for development and tests.

Never deployed. ``start_sandbox(state_dir)`` starts it in background threads; ``python -m local.sandbox``
runs it in the foreground. README.md lists the systems, ports, credentials and test-mode special cases.
"""

from local.sandbox.config import DEFAULT_PORTS, SandboxConfig
from local.sandbox.faults import REALISTIC_LATENCY, Fault, FaultInjector
from local.sandbox.server import Sandbox, start_sandbox

__all__ = [
    "DEFAULT_PORTS",
    "REALISTIC_LATENCY",
    "Fault",
    "FaultInjector",
    "Sandbox",
    "SandboxConfig",
    "start_sandbox",
]
