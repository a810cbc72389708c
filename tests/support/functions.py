"""Where a function's code lives, as template.yaml says (functions/ is grouped by kind)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

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
