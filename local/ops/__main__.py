"""`python -m local.ops --aws-endpoint http://127.0.0.1:5000 --region eu-central-1`: the operations view
alone, against any Step Functions endpoint, until Ctrl-C. With `--keycloak-issuer` (and the operators'
client secret in OPS_KEYCLOAK_CLIENT_SECRET, never on the command line) operators sign in and act."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from local.ops.auth import OPERATORS_CLIENT, OperatorSignIn
from local.ops.server import start_ops_view


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.ops", description=__doc__)
    parser.add_argument("--aws-endpoint", required=True, help="Step Functions endpoint, e.g. http://127.0.0.1:5000")
    parser.add_argument("--region", default="eu-central-1")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--logs-dir", type=Path, default=None, help="function logs (local/.state/logs)")
    parser.add_argument("--platforms-url", default=None, help="fake platforms, for links to the chat page")
    parser.add_argument("--keycloak-issuer", default=None, help="realm URL, e.g. http://127.0.0.1:8080/realms/bank")
    parser.add_argument("--keycloak-client-id", default=OPERATORS_CLIENT)
    parser.add_argument("--internal-api", default=None, help="the internal API, for the operators' inbox")
    args = parser.parse_args(argv)
    sign_in = None
    if args.keycloak_issuer:
        secret = os.environ.get("OPS_KEYCLOAK_CLIENT_SECRET", "")
        if not secret:
            parser.error("--keycloak-issuer needs OPS_KEYCLOAK_CLIENT_SECRET in the environment")
        sign_in = OperatorSignIn(issuer=args.keycloak_issuer, client_id=args.keycloak_client_id, client_secret=secret)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    view = start_ops_view(
        host=args.host,
        port=args.port,
        aws_endpoint=args.aws_endpoint,
        region=args.region,
        logs_dir=args.logs_dir,
        platforms_url=args.platforms_url,
        sign_in=sign_in,
        internal_api=args.internal_api,
    )
    print(f"Operations view: {view.url}   (Ctrl-C stops it)", flush=True)
    try:
        stop.wait()
    finally:
        view.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
