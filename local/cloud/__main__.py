"""`make run`: the whole system on 127.0.0.1 until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from local.cloud.cloud import ROOT, LocalCloud
from local.cloud.config import CloudConfig


def main() -> int:
    config = CloudConfig.from_environment()
    state_dir = Path(os.environ.get("LOCAL_STATE_DIR", ROOT / "local" / ".state"))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    cloud = LocalCloud(config, state_dir=state_dir, echo_logs=os.environ.get("LOCAL_ECHO_LOGS", "1") == "1")
    try:
        cloud.start()
        assert cloud.api is not None and cloud.stack is not None
        lines = [
            "",
            "Messenger Bank is running on the local cloud.",
            f"  Talk to the bot (chat page):  {getattr(cloud.platforms, 'chat_url', '-')}",
            f"  Webhooks (API Gateway):       {cloud.api.base_url}/webhooks/{{telegram|viber|whatsapp|messenger}}",
            f"  Fake messenger platforms:     {getattr(cloud.platforms, 'base_url', '-')}",
            f"  Bank sandbox (directory):     {getattr(cloud.sandbox, 'directory_url', '-')}",
            f"  AWS endpoint (moto):          {cloud.aws_endpoint}   (aws --endpoint-url {cloud.aws_endpoint} ...)",
            f"  Function logs:                {cloud.logs.directory}",
            f"  Executions (operations view): {getattr(cloud.ops, 'url', '-')}   (or: make executions)",
            "Ctrl-C stops it all.",
            "",
        ]
        print("\n".join(lines), flush=True)
        stop.wait()
    finally:
        cloud.stop()
        print("local cloud stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
