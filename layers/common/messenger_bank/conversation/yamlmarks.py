"""A YAML loader that remembers where things are, so problems can be reported as `file:line`.

Mappings load as `MarkedDict` (with the line of the mapping, of each key, and the duplicated keys
that plain YAML would silently overwrite), sequences as `MarkedList` (with the line of each item).
Only the safe subset of YAML is accepted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml


class MarkedDict(dict[str, Any]):
    line: int = 0
    key_lines: dict[str, int]
    duplicates: list[tuple[str, int]]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class MarkedList(list[Any]):
    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def _key(value: Any) -> str:
    # YAML 1.1 reads yes/no/on/off as booleans; flows use them as words.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# libyaml's parser where PyYAML has it (its wheels do): the flows and the catalogue, read at every cold start,
# load about ten times faster than with the pure-Python parser, marks and the safe subset alike.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _MarkedLoader(SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader where only true/false are booleans: yes, no, on, off stay words (YAML 1.2 style)."""


_MarkedLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_MarkedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _mapping(loader: _MarkedLoader, node: yaml.MappingNode) -> MarkedDict:
    loader.flatten_mapping(node)
    result = MarkedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.duplicates = []
    for key_node, value_node in node.value:
        key = _key(loader.construct_object(key_node, deep=True))
        line = key_node.start_mark.line + 1
        if key in result:
            result.duplicates.append((key, line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _sequence(loader: _MarkedLoader, node: yaml.SequenceNode) -> MarkedList:
    result = MarkedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load_marked(path: Path) -> Any:
    """Load one YAML file; raises yaml.YAMLError (with its own mark) on a syntax error."""
    with path.open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_MarkedLoader)  # noqa: S506 - a SafeLoader subclass


def line_at(root: Any, loc: tuple[str | int, ...]) -> int:
    """The best line for a path inside a loaded document (as in a pydantic error's `loc`)."""
    node, line = root, getattr(root, "line", 1)
    for part in loc:
        in_map = isinstance(node, MarkedDict) and isinstance(part, str) and part in node
        in_list = isinstance(node, MarkedList) and isinstance(part, int) and 0 <= part < len(node)
        if in_map or in_list:
            line, node = node.line_of(part), node[part]
        # a discriminator tag or a missing key: look further along the path
    return line
