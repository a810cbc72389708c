"""README's Layout lists every context package of the layer, and only packages that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common" / "messenger_bank"


def listed_contexts(readme: str) -> set[str]:
    """The ``name/`` entries indented under ``layers/common/messenger_bank/`` in the Layout block."""
    layout = readme.split("## Layout", 1)[1].split("```")[1]
    block = layout.split("layers/common/messenger_bank/", 1)[1].splitlines()[1:]
    entries = []
    for line in block:
        if not line.startswith(" "):
            break
        entries.append(line)
    return {m[1] for line in entries if (m := re.match(r"^ {4}([a-z_]+)/\s", line))}


def test_the_layout_lists_every_context_package_and_no_other() -> None:
    packages = {p.parent.name for p in LAYER.glob("*/__init__.py")}

    assert listed_contexts((ROOT / "README.md").read_text("utf-8")) == packages


def test_a_package_missing_from_the_layout_is_seen() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    without = re.sub(r"(?m)^ {4}programs/.*\n", "", readme)

    assert "programs" in listed_contexts(readme)
    assert "programs" not in listed_contexts(without)
