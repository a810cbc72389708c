"""Data documents shipped with the code that people edit as YAML (the programmes' terms, the message catalogue, the
notices' registry), read at run time without a YAML parser where the layer's build left their JSON twins.

``sam build`` (layers/common/Makefile) runs ``python -m messenger_bank.shipped_data <the built messenger_bank>``:
each of ``DOCUMENTS`` gets a ``.json`` beside it with the same data. In the Lambda layout no function then imports
PyYAML (+0.13x of ``import boto3`` in instructions) or parses YAML on its first call (issue 20); from the source tree
(the tests, ``make run``) there is no twin and the YAML itself is read. A twin is never committed: the YAML is the
one place each of these facts is written.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, Final

PACKAGE: Final = Path(__file__).parent
DOCUMENTS: Final = (
    "programs/terms.yaml",
    "conversation/catalogue/be.yaml",
    "conversation/catalogue/en.yaml",
    "conversation/catalogue/ru.yaml",
    "notices/notices.yaml",
)


def twin_of(path: Path) -> Path:
    return path.with_suffix(".json")


class UnreadableDocument(ValueError):
    """Text that is neither JSON nor YAML."""


def read(path: Path) -> Any:
    """The data of one document: its JSON twin's where the build wrote one, else its YAML's."""
    return parse(read_text(path))


def read_text(path: Path) -> str:
    """The text of one document: its JSON twin's where the build wrote one, else its YAML's."""
    try:
        return twin_of(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return path.read_text(encoding="utf-8")


def parse(text: str | bytes) -> Any:
    """A document's data: JSON without a YAML parser (a twin, a profile published as JSON), any other text as YAML,
    of which JSON is a subset. ``UnreadableDocument`` if it is neither."""
    try:
        return json.loads(text)
    except ValueError:
        return parse_yaml(text)


def parse_yaml(text: str | bytes) -> Any:
    """YAML's safe subset, with libyaml's parser where PyYAML has it (its wheels do): the same data, ~7x faster."""
    import yaml

    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise UnreadableDocument(f"not YAML: {exc}") from exc


def _as_json(value: object) -> str:
    if isinstance(value, date):  # YAML reads 2026-01-31 as a date; the models read the ISO text alike
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no JSON form")


def write_twins(package: Path, documents: tuple[str, ...] = DOCUMENTS) -> list[Path]:
    """Each document's JSON twin, written beside it under `package` (a copy of messenger_bank)."""
    written = []
    for name in documents:
        source = package / name
        twin = twin_of(source)
        data = parse_yaml(source.read_text(encoding="utf-8"))
        twin.write_text(json.dumps(data, ensure_ascii=False, default=_as_json), encoding="utf-8")
        written.append(twin)
    return written


if __name__ == "__main__":
    for path in write_twins(Path(sys.argv[1])):
        print(f"wrote {path}")
