"""`python -m local.platforms --webhook-base-url http://127.0.0.1:3000`: the fake platforms alone."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from local.platforms.config import PlatformSecrets
from local.platforms.server import start_platforms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.platforms", description=__doc__)
    parser.add_argument(
        "--webhook-base-url",
        default="http://127.0.0.1:3000",
        help="where webhooks go: {this}/webhooks/{channel}",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3100)
    args = parser.parse_args(argv)
    server = start_platforms(
        host=args.host,
        port=args.port,
        webhook_base_url=args.webhook_base_url,
        secrets=PlatformSecrets.from_env(),
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(f"fake platforms API on {server.base_url} (Telegram, Viber, WhatsApp, Messenger)", flush=True)
    print(f"chat page: {server.chat_url}", flush=True)
    print(f"webhooks go to {args.webhook_base_url.rstrip('/')}/webhooks/<channel>", flush=True)
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
