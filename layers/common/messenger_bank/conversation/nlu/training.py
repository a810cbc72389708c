"""Training data and the trained bundle: phrases from YAML, typo augmentation, the model file.

The bundle is built once (`python -m messenger_bank.conversation.nlu.build`) and shipped as
`data/model.json.gz` beside the phrases, so a cold start reads JSON instead of parsing YAML and running
SGD. Its fingerprint covers the phrases and the code that turns text into features; if they no
longer match, `load_bundle` trains in-process (slow, but never wrong) and a unit test fails until
the file is rebuilt.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import random
import zlib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from messenger_bank.conversation.nlu.classifier import ModelFile, TrainingSettings, train
from messenger_bank.conversation.nlu.entities import extract
from messenger_bank.types import LANGUAGES, Language

OUT_OF_SCOPE = "out_of_scope"
MODEL_FILE = "model.json.gz"  # gzip: a third of the size in the layer, the same load time
# Everything that changes what the model learns; the fingerprint hashes these files.
_SOURCES = ("text.py", "entities.py", "classifier.py", "training.py")
_TYPO_VARIANTS = 2

INTENT_SETTINGS = TrainingSettings()
# Script-preserving: "і", "ў" and "и", "щ" tell Belarusian from Russian.
CYRILLIC_LANGUAGE_SETTINGS = TrainingSettings(fold=False, min_n=1, max_n=3, word_features=True, epochs=8)
# Folded: Latin text is English or Russian / Belarusian typed in Latin letters.
LATIN_LANGUAGE_SETTINGS = TrainingSettings(min_n=1, max_n=3, epochs=8)


class Phrase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    language: Language
    intent: str
    text: str


class PhraseFile(BaseModel):
    """The shape of `data/intents.<language>.yaml`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: Language
    intents: dict[str, tuple[str, ...]]


class ModelBundle(BaseModel):
    """Everything `understand` needs, in one JSON file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fingerprint: str
    intents: ModelFile
    cyrillic_language: ModelFile
    latin_language: ModelFile


def _package() -> Path:
    return Path(str(resources.files(__package__ or "messenger_bank.conversation.nlu")))


def data_dir() -> Path:
    return _package() / "data"


def phrase_files() -> list[Path]:
    return [data_dir() / f"intents.{language}.yaml" for language in LANGUAGES]


def fingerprint() -> str:
    """A hash of the training phrases and of the code that learns from them. The code is hashed as
    its syntax tree, so reformatting or a comment does not make the shipped model stale."""
    digest = hashlib.sha256()
    for path in phrase_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for path in (_package() / name for name in _SOURCES):
        digest.update(path.name.encode())
        digest.update(ast.dump(ast.parse(path.read_text(encoding="utf-8"))).encode())
    return digest.hexdigest()


def load_phrases() -> list[Phrase]:
    # Imported here: a warm Lambda reads model.json.gz and never needs a YAML parser.
    import yaml

    phrases: list[Phrase] = []
    for path in phrase_files():
        content = PhraseFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for intent, texts in content.intents.items():
            phrases.extend(Phrase(language=content.language, intent=intent, text=text) for text in texts)
    return phrases


def typo_variants(text: str, count: int = _TYPO_VARIANTS) -> Iterator[str]:
    """Seeded misspellings of a phrase (a letter dropped, doubled, swapped or repeated), so that the
    model meets the typos customers make; the seed is the phrase itself, so builds are repeatable."""
    rng = random.Random(zlib.crc32(text.encode()))  # noqa: S311 - reproducible typos, not a secret
    positions = [i for i, char in enumerate(text) if char.isalpha()]
    if len(positions) < 4:
        return
    for _ in range(count):
        i = rng.choice(positions)
        operation = rng.randrange(4)
        if operation == 0:
            yield text[:i] + text[i + 1 :]
        elif operation == 1:
            yield text[:i] + text[i] + text[i:]
        elif operation == 2 and i + 1 < len(text):
            yield text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        else:
            yield text[:i] + text[rng.choice(positions)] + text[i + 1 :]


def classifier_input(text: str) -> str:
    """What the intent classifier reads: entities replaced by placeholders."""
    return extract(text).masked


def _is_cyrillic_text(text: str) -> bool:
    cyrillic = sum(1 for char in text if "\u0400" <= char <= "\u04ff")
    latin = sum(1 for char in text if char.isascii() and char.isalpha())
    return cyrillic > latin


def build_bundle(phrases: list[Phrase] | None = None) -> ModelBundle:
    phrases = phrases if phrases is not None else load_phrases()
    texts, labels = [], []
    for phrase in phrases:
        for text in (phrase.text, *typo_variants(phrase.text)):
            texts.append(classifier_input(text))
            labels.append(phrase.intent)
    intents = train(texts, labels, INTENT_SETTINGS)

    cyrillic = [phrase for phrase in phrases if _is_cyrillic_text(phrase.text)]
    cyrillic_language = train(
        [phrase.text for phrase in cyrillic], [phrase.language for phrase in cyrillic], CYRILLIC_LANGUAGE_SETTINGS
    )
    latin_language = train(
        [phrase.text for phrase in phrases], [phrase.language for phrase in phrases], LATIN_LANGUAGE_SETTINGS
    )
    return ModelBundle(
        fingerprint=fingerprint(),
        intents=intents.to_file(),
        cyrillic_language=cyrillic_language.to_file(),
        latin_language=latin_language.to_file(),
    )


def read_bundle() -> ModelBundle | None:
    """The shipped bundle if it matches the phrases and code, otherwise None."""
    path = data_dir() / MODEL_FILE
    if not path.exists():
        return None
    bundle = ModelBundle.model_validate_json(gzip.decompress(path.read_bytes()))
    return bundle if bundle.fingerprint == fingerprint() else None


def write_bundle(bundle: ModelBundle) -> Path:
    path = data_dir() / MODEL_FILE
    # mtime=0: the same model gives the same bytes, so a rebuild without changes leaves git clean.
    path.write_bytes(gzip.compress(bundle.model_dump_json().encode("utf-8"), mtime=0))
    return path
