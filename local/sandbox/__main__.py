"""``python -m local.sandbox [--state-dir DIR] [--realistic] [--port system=port ...]``: foreground run."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path
from types import FrameType

from local.sandbox import start_sandbox


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m local.sandbox", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=Path("local/.state/sandbox"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", action="append", default=[], metavar="SYSTEM=PORT")
    parser.add_argument("--realistic", action="store_true", help="150-300 ms latency on every call")
    args = parser.parse_args()
    ports = {name: int(port) for name, _, port in (item.partition("=") for item in args.port)}
    sandbox = start_sandbox(args.state_dir, host=args.host, ports=ports)
    if args.realistic:
        sandbox.faults.realistic()
    print(json.dumps(sandbox.directory(), indent=2), flush=True)
    done = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    done.wait()
    sandbox.stop()


if __name__ == "__main__":
    main()
