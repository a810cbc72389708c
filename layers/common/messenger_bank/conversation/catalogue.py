"""The message catalogue: every text the bot says, in ru, be and en, with `{placeholders}`.

`catalogue/<language>.yaml` holds a nested mapping; keys are dotted paths (`transfer.ask_card`).
`text(key, language, **values)` fills the placeholders; a missing key falls back to English and then
to the key itself, so a gap never breaks a conversation (the tests and the linter catch gaps first).

The conversation function may run a published catalogue (conversation/published.py: AWS AppConfig) in place of
the packaged one: `install(messages)` puts it in place for the process, `install(None)` returns to the package.

The catalogue is read on first use, not with this module: a webhook function imports `text` for the one reply it
writes itself (Viber's welcome), which most of its invocations never write. In the built layer it is read from the
files' JSON twins, without a YAML parser (messenger_bank/shipped_data.py); from the source tree with libyaml's parser
where PyYAML has it (its wheels do): the same mapping as the pure-Python parser's
(tests/unit/conversation/test_catalogue.py), the three files in ~15 ms instead of ~100 ms.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any

from messenger_bank import shipped_data
from messenger_bank.types import LANGUAGES, Language

CATALOGUE_DIR = Path(__file__).parent / "catalogue"
FALLBACK: Language = "en"


def _flatten(node: Any, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
    else:
        flat[prefix[:-1]] = str(node)
    return flat


def load_catalogue(directory: Path = CATALOGUE_DIR) -> dict[str, dict[str, str]]:
    """{language: {dotted key: text}} for every language file in the directory."""
    result: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        result[language] = _flatten(shipped_data.read(directory / f"{language}.yaml") or {})
    return result


_installed: dict[str, dict[str, str]] | None = None


@lru_cache(maxsize=1)
def packaged() -> dict[str, dict[str, str]]:
    """The catalogue shipped with the code, loaded once per cold start."""
    return load_catalogue()


def install(messages: dict[str, dict[str, str]] | None) -> None:
    """Speak from `messages` (a published catalogue) from now on in this process; None: the packaged one."""
    global _installed
    _installed = messages


def catalogue() -> dict[str, dict[str, str]]:
    return packaged() if _installed is None else _installed


def placeholders(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(key: str, language: str, /, **values: Any) -> str:
    """The text of `key` in `language` with its placeholders filled."""
    messages = catalogue()
    template = messages.get(language, {}).get(key) or messages[FALLBACK].get(key) or key
    return template.format_map(_Lenient(values))


def has(key: str) -> bool:
    return all(key in catalogue()[language] for language in LANGUAGES)
