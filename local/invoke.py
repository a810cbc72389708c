"""`make invoke FN=<function> EVENT=<file>`: run one function on an event and print its result, as
`sam local invoke` does. FN is the function's folder, logical id or name.

With `make run` going, the call goes through that local cloud (its tables, queues and fake
platforms); otherwise a short-lived local cloud is started for the one call.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import boto3

from local.cloud.cloud import ROOT, LocalCloud, running_cloud_state
from local.cloud.config import CloudConfig
from local.cloud.template import load_template_text


def logical_id_for(function: str, template_path: Path = ROOT / "template.yaml") -> str:
    """Accepts `telegram_webhook`, `functions/telegram_webhook`, `TelegramWebhookFunction` or a full name."""
    resources = load_template_text(template_path.read_text(encoding="utf-8"))["Resources"]
    wanted = function.rstrip("/").rsplit("/", 1)[-1]
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        folder = str(resource.get("Properties", {}).get("CodeUri", "")).rstrip("/").rsplit("/", 1)[-1]
        if wanted in (logical_id, folder) or wanted.endswith(f"-{logical_id}"):
            return str(logical_id)
    known = sorted(k for k, r in resources.items() if r.get("Type") == "AWS::Serverless::Function")
    raise SystemExit(f"no function {function!r} in template.yaml; functions: {', '.join(known)}")


def invoke(logical_id: str, payload: bytes) -> tuple[str | None, Any]:
    state_dir = Path(os.environ.get("LOCAL_STATE_DIR", ROOT / "local" / ".state"))
    running = running_cloud_state(state_dir)
    if running:
        client = boto3.client(
            "lambda",
            endpoint_url=running["aws_endpoint"],
            region_name=running["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        name = running["functions"][logical_id]
        response = client.invoke(FunctionName=name, Payload=payload)
        return response.get("FunctionError"), json.loads(response["Payload"].read() or b"null")
    config = CloudConfig.on_free_ports()
    with LocalCloud(config, state_dir=state_dir / "invoke", serve_api=False, poll_queues=False) as cloud:
        assert cloud.runner is not None
        result = cloud.runner.invoke(logical_id, payload)
        return result.function_error, result.json()


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: make invoke FN=<function> EVENT=<file>", file=sys.stderr)
        return 2
    logical_id = logical_id_for(argv[0])
    payload = Path(argv[1]).read_bytes() if len(argv) > 1 and argv[1] else b"{}"
    json.loads(payload)  # a broken event file is said plainly, before anything starts
    error, result = invoke(logical_id, payload)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if error:
        print(f"{logical_id} failed ({error})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
