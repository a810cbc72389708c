"""Cold start of every function: a fresh interpreter importing the function's handler module with its
code and layers on the path, median of several runs, against a bare `import boto3` measured in the
same run (what every Python Lambda that talks to AWS pays anyway).

    make bench            # all benchmarks
    python -m bench.cold_start [runs]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.stats import median
from local.cloud.template import load_template_text

ROOT = Path(__file__).resolve().parents[1]


def functions() -> dict[str, tuple[Path, str]]:
    """Logical id -> (code folder, handler module) for every function in template.yaml."""
    document = load_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))
    default_handler = document.get("Globals", {}).get("Function", {}).get("Handler", "app.lambda_handler")
    found = {}
    for logical_id, resource in document["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            properties = resource["Properties"]
            handler = properties.get("Handler", default_handler)
            found[logical_id] = (ROOT / properties["CodeUri"], handler.rsplit(".", 1)[0])
    return found


def time_import(module: str, path: list[Path]) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(p) for p in path),
        "AWS_DEFAULT_REGION": "eu-central-1",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "SECRETS_PREFIX": "/bench",
    }
    started = time.perf_counter()
    subprocess.run([sys.executable, "-P", "-c", f"import {module}"], env=env, check=True, cwd=path[0] if path else ROOT)
    return (time.perf_counter() - started) * 1000


def main(runs: int = 7) -> None:
    layer = ROOT / "layers" / "common"
    baseline = median([time_import("boto3", []) for _ in range(runs)])
    print(f"cold start (fresh process importing the handler), median of {runs} runs")
    print(f"  {'baseline: import boto3':<34} {baseline:8.1f} ms   1.00x")
    for logical_id, (code, module) in sorted(functions().items()):
        figure = median([time_import(module, [code, layer]) for _ in range(runs)])
        print(f"  {logical_id:<34} {figure:8.1f} ms   {figure / baseline:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
