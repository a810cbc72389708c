"""Where a function's code lives, as template.yaml says (functions/ is grouped by kind)."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType

from local.cloud.template import load_template_text

ROOT = Path(__file__).resolve().parents[2]


@cache
def code_dirs() -> dict[str, Path]:
    """Function folder name (e.g. `get_balance`) -> its code folder, for every function in template.yaml."""
    resources = load_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))["Resources"]
    found = {}
    for resource in resources.values():
        if resource.get("Type") == "AWS::Serverless::Function":
            code = ROOT / str(resource["Properties"]["CodeUri"])
            found[code.name] = code
    return found


def handler_file(name: str) -> Path:
    return code_dirs()[name] / "app.py"


def handler_module(name: str) -> ModuleType:
    """A function's `app.py` loaded as a module (as the Lambda runtime loads it), by its folder name."""
    spec = importlib.util.spec_from_file_location(f"fn_{name}", handler_file(name))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
