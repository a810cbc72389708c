"""Cold start of every function: a fresh interpreter importing the function's handler module with its
code and layers on the path, against a bare `import boto3` (what every Python Lambda that talks to AWS
pays anyway) timed right before it: the ratio is the median of the pairs', so that a busy machine slows
both sides of a pair alike.

    make bench            # all benchmarks
    python -m bench cold_start [runs] [LogicalId ...]   # some functions only
    python -m bench cold_start 5 --before /tmp/old-checkout GetBalanceFunction   # beside the same handler elsewhere

`--before DIR` times, in each pair, the handler of a checkout of another commit too (DIR: its root, e.g. from
`git archive <commit> | tar -x -C DIR`), so a change is measured before and after in the same run.

`--site DIR` imports from DIR instead of this virtualenv (`python -S`: no site-packages), on both sides of a pair:
a Lambda-like path, the layer's packages and boto3 only, without the development tools' packages (pyOpenSSL and
awscrt, which botocore picks up when present; click and rich, which httpx picks up), which load here on both sides:

    pip install -t /tmp/lambda-site -r layers/common/requirements.txt boto3
    python -m bench cold_start 5 --site /tmp/lambda-site

`--instructions` counts the instructions each process runs (valgrind's callgrind, one run a side: the count is the
same whatever else the machine does, so a change of a few milliseconds shows, where CPU times on a shared machine
wander by a tenth of the ratio); the ratio is to `import boto3`'s count.

Each function's process imports, after its handler, the bank clients its code's factories load on first use
(`banking.service`: a client is imported by its factory, so that a function loads only the systems it calls): a
client made lazy is counted where the function meets it, not left out.

`--layer DIR` imports the layer from DIR in place of layers/common: the layer as `sam build` lays it out (DIR:
.aws-sam/build/CommonLayer/python), and a function that adds layers of its own (the ImagesLayer of those that draw)
has them from the same build; with `--site` holding boto3 alone (the runtime's), that is what a Lambda imports:

    pip install -t /tmp/boto3-site boto3 && make build
    python -m bench cold_start 5 --site /tmp/boto3-site --layer .aws-sam/build/CommonLayer/python
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from resource import RUSAGE_CHILDREN, getrusage

from bench.stats import median
from tests.support.aws import template_document, template_resources
from tests.support.reach import reachable

ROOT = Path(__file__).resolve().parents[1]


def functions() -> dict[str, tuple[Path, str]]:
    """Logical id -> (code folder, handler module) for every function in template.yaml."""
    default_handler = template_document().get("Globals", {}).get("Function", {}).get("Handler", "app.lambda_handler")
    found = {}
    for logical_id, resource in template_resources().items():
        if resource["Type"] == "AWS::Serverless::Function":
            properties = resource["Properties"]
            handler = properties.get("Handler", default_handler)
            found[logical_id] = (ROOT / properties["CodeUri"], handler.rsplit(".", 1)[0])
    return found


def added_layers() -> dict[str, list[str]]:
    """Logical id -> the layers (their logical ids) a function adds to the Globals' CommonLayer."""
    return {
        logical_id: [layer["Ref"] for layer in resource["Properties"].get("Layers", [])]
        for logical_id, resource in template_resources().items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


@cache  # service.py read once, not once a function
def _factory_imports() -> dict[str, frozenset[str]]:
    """Each banking.service function (by qualified name) -> the bank client modules it imports when called."""
    service = ROOT / "layers" / "common" / "messenger_bank" / "banking" / "service.py"
    return {
        f"messenger_bank.banking.service.{definition.name}": frozenset(
            node.module
            for node in definition.body
            if isinstance(node, ast.ImportFrom) and node.module and ".banking.clients." in node.module
        )
        for definition in ast.parse(service.read_text(encoding="utf-8")).body
        if isinstance(definition, ast.FunctionDef)
    }


def bank_clients(code_uri: str) -> list[str]:
    """The modules the banking.service factories that the function's code reaches import on their first call."""
    reached = reachable(code_uri)
    return sorted({module for name, modules in _factory_imports().items() if name in reached for module in modules})


def import_environment(path: list[Path]) -> dict[str, str]:
    """What a fresh process importing a handler gets: `path` first, the settings an init may read, how pydantic
    looks for plugins as template.yaml's Globals say, no bytecode written (a run must not make the next one's source
    imports cheaper). tests/integration/test_sam_build.py uses it too, to import every handler from the built
    layers."""
    return {
        **os.environ,
        "PYDANTIC_DISABLE_PLUGINS": _globals_variable("PYDANTIC_DISABLE_PLUGINS"),
        "PYTHONPATH": os.pathsep.join(str(p) for p in path),
        "AWS_DEFAULT_REGION": "eu-central-1",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "SECRETS_PREFIX": "/bench",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _globals_variable(name: str) -> str:
    return str(template_document()["Globals"]["Function"]["Environment"]["Variables"][name])


def time_import(module: str, path: list[Path], site: Path | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of the process, in ms; `site`: import packages from there only.
    `module`: one name, or several separated by commas."""
    if site is not None:
        path = [*path, site]
    env = import_environment(path)
    before, started = getrusage(RUSAGE_CHILDREN), time.perf_counter()
    isolated = ["-S"] if site is not None else []
    command = [sys.executable, *isolated, "-P", "-c", f"import {module}"]
    subprocess.run(command, env=env, check=True, cwd=path[0] if path else ROOT)
    wall, after = time.perf_counter() - started, getrusage(RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1000, cpu * 1000


def count_import(module: str, path: list[Path], site: Path | None = None) -> int:
    """Instructions the process runs (callgrind's Ir), with a fixed hash seed so that two runs count the same."""
    if site is not None:
        path = [*path, site]
    env = {**import_environment(path), "PYTHONHASHSEED": "0"}
    isolated = ["-S"] if site is not None else []
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, *isolated, "-P"]
    done = subprocess.run(
        [*command, "-c", f"import {module}"], env=env, cwd=path[0] if path else ROOT, capture_output=True, text=True
    )
    counted = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode or counted is None:
        raise RuntimeError(done.stderr[-2000:])
    return int(counted.group(1))


def asked_for(only: list[str], built: Path | None) -> Iterator[tuple[str, Path, str, list[Path]]]:
    """(logical id, code folder, what its process imports, the layers it adds) of each function asked for."""
    adds = added_layers()
    for logical_id, (code, module) in sorted(functions().items()):
        if only and logical_id not in only:
            continue
        # Without --layer, this virtualenv holds what the other layers would (Pillow, qrcode).
        own = [built / added / "python" for added in adds[logical_id]] if built else []
        yield logical_id, code, ", ".join([module, *bank_clients(str(code.relative_to(ROOT)))]), own


def count_main(only: list[str], before: Path | None, site: Path | None, layer: Path, built: Path | None) -> None:
    baseline = count_import("boto3", [], site)
    print(f"instructions (callgrind), one run a side; `import boto3`: {baseline:,}")
    print(f"  {'function':<34} {'instructions':>15}  ratio")
    for logical_id, code, modules, own in asked_for(only, built):
        sides = [("", [code, layer, *own])]
        if before is not None:
            sides.insert(0, ("before", [before / code.relative_to(ROOT), before / "layers" / "common", *own]))
        for label, path in sides:
            count = count_import(modules, path, site)
            name = f"{logical_id} ({label})" if label else logical_id
            print(f"  {name:<34} {count:>15,}  {count / baseline:4.2f}x")


def main(runs: int = 7, only: list[str] | None = None) -> None:
    """Wall time is what the issue's goals name; CPU time is the same cost without the waits of a busy machine."""
    only = list(only or [])
    before: Path | None = None
    if "--before" in only:
        at = only.index("--before")
        before = Path(only[at + 1]).resolve()
        del only[at : at + 2]
    site: Path | None = None
    if "--site" in only:
        at = only.index("--site")
        site = Path(only[at + 1]).resolve()
        del only[at : at + 2]
    layer = ROOT / "layers" / "common"
    built: Path | None = None  # the `sam build` folder the other layers come from, with --layer
    if "--layer" in only:
        at = only.index("--layer")
        layer = Path(only[at + 1]).resolve()
        built = layer.parents[1]
        del only[at : at + 2]
    if "--instructions" in only:
        only.remove("--instructions")
        count_main(only, before, site, layer, built)
        return
    print(f"cold start (fresh process importing the handler), median of {runs} runs, each paired with `import boto3`")
    print(f"  packages from {site} only (python -S)" if site else "  packages from this virtualenv")
    print(f"  the layer from {layer}")
    print(f"  {'function':<34} {'wall':>9} {'boto3':>9}  ratio   {'cpu':>9} {'boto3':>9}  ratio")
    for logical_id, code, module, own in asked_for(only, built):
        runs_of: dict[str, list[tuple[tuple[float, float], tuple[float, float]]]] = {"": [], "before": []}
        for _ in range(runs):
            baseline = time_import("boto3", [], site)
            if before is not None:
                old = before / code.relative_to(ROOT)
                earlier = [old, before / "layers" / "common", *own]
                runs_of["before"].append((baseline, time_import(module, earlier, site)))
            runs_of[""].append((baseline, time_import(module, [code, layer, *own], site)))
        for label, pairs in runs_of.items():
            if not pairs:
                continue
            figures = []
            for kind in (0, 1):  # wall, cpu
                base = median([b[kind] for b, _ in pairs])
                figure = median([f[kind] for _, f in pairs])
                ratio = median([f[kind] / b[kind] for b, f in pairs])
                figures.append(f"{figure:6.1f} ms {base:6.1f} ms  {ratio:4.2f}x")
            name = f"{logical_id} ({label})" if label else logical_id
            print(f"  {name:<34} {'   '.join(figures)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7, sys.argv[2:])
