"""NLU training: `python -m local.devtools.nlu_training` rebuilds the shipped model from the phrases.

Run it after editing the training phrases (nlu_data/intents.<language>.yaml beside this file) or the
feature code, and commit `layers/common/messenger_bank/conversation/nlu/data/model.json.gz`. The
bundle records a fingerprint of the phrases and of the code that turns text into features and learns
from them; tests/unit/conversation/nlu/test_understand.py fails until the shipped file matches. The
runtime only reads the file (nlu/bundle.py): no phrase, no training code and no SGD in the layer.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import math
import random
import sys
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from messenger_bank.conversation.nlu.bundle import ModelBundle, model_path
from messenger_bank.conversation.nlu.classifier import (
    TextClassifier,
    TrainingSettings,
    feature_counts,
    softmax,
    tfidf_vector,
)
from messenger_bank.conversation.nlu.entities import extract
from messenger_bank.types import LANGUAGES, Language

PHRASES_DIR = Path(__file__).resolve().parent / "nlu_data"
# The runtime code that turns text into features; with this file and the phrases, everything that
# changes what the model learns, so the fingerprint hashes them.
_RUNTIME_SOURCES = ("text.py", "entities.py", "classifier.py")
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
    """The shape of `nlu_data/intents.<language>.yaml`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: Language
    intents: dict[str, tuple[str, ...]]


def phrase_files() -> list[Path]:
    return [PHRASES_DIR / f"intents.{language}.yaml" for language in LANGUAGES]


def _sources() -> list[Path]:
    runtime = Path(str(resources.files("messenger_bank.conversation.nlu")))
    return [*(runtime / name for name in _RUNTIME_SOURCES), Path(__file__).resolve()]


def fingerprint() -> str:
    """A hash of the training phrases and of the code that learns from them. The code is hashed as
    its syntax tree, so reformatting or a comment does not make the shipped model stale."""
    digest = hashlib.sha256()
    for path in phrase_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for path in _sources():
        digest.update(path.name.encode())
        digest.update(ast.dump(ast.parse(path.read_text(encoding="utf-8"))).encode())
    return digest.hexdigest()


def load_phrases() -> list[Phrase]:
    phrases: list[Phrase] = []
    for path in phrase_files():
        content = PhraseFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for intent, texts in content.intents.items():
            phrases.extend(Phrase(language=content.language, intent=intent, text=text) for text in texts)
    return phrases


def typo_variants(text: str, count: int = _TYPO_VARIANTS) -> Iterator[str]:
    """Seeded misspellings of a phrase (a letter dropped, doubled, swapped or repeated), so that the
    model meets the typos customers make; the seed is the phrase itself, so builds are repeatable."""
    rng = random.Random(zlib.crc32(text.encode()))  # reproducible typos, not a secret
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


def write_bundle(bundle: ModelBundle) -> Path:
    path = model_path()
    # mtime=0: the same model gives the same bytes, so a rebuild without changes leaves git clean.
    path.write_bytes(gzip.compress(bundle.model_dump_json().encode("utf-8"), mtime=0))
    return path


def train(texts: Sequence[str], labels: Sequence[str], settings: TrainingSettings | None = None) -> TextClassifier:
    """Fits TF-IDF on the texts, then a softmax regression by SGD with L2 (seeded, deterministic)."""
    settings = settings or TrainingSettings()
    label_names = sorted(set(labels))
    label_index = {label: i for i, label in enumerate(label_names)}
    counted = [feature_counts(text, settings) for text in texts]
    document_frequency: Counter[str] = Counter()
    for counts in counted:
        document_frequency.update(counts.keys())
    vocabulary = sorted(document_frequency)
    index = {feature: i for i, feature in enumerate(vocabulary)}
    total = len(texts)
    idf = [math.log((1 + total) / (1 + document_frequency[feature])) + 1.0 for feature in vocabulary]

    width = len(label_names)
    rows = [[0.0] * width for _ in vocabulary]
    bias = [0.0] * width
    vectors = [tfidf_vector(counts, index, idf) for counts in counted]
    targets = [label_index[label] for label in labels]

    rng = random.Random(settings.seed)  # a reproducible shuffle, not a secret
    order = list(range(total))
    step = 0
    for _epoch in range(settings.epochs):
        rng.shuffle(order)
        for example in order:
            step += 1
            rate = settings.learning_rate / (1.0 + settings.learning_rate * settings.l2 * step)
            vector = vectors[example]
            gradient = softmax(rows, bias, vector)
            gradient[targets[example]] -= 1.0
            # Only classes with a real error move: late in training that is a handful, not all.
            moving = [(c, g) for c, g in enumerate(gradient) if g > 1e-4 or g < -1e-4]
            shrink = 1.0 - rate * settings.l2
            for feature, value in vector:
                row = rows[feature]
                step_size = rate * value
                for c, g in moving:
                    row[c] = row[c] * shrink - step_size * g
            for c, g in moving:
                bias[c] -= rate * g
    return TextClassifier.from_weights(settings, label_names, vocabulary, idf, rows, bias)


def main() -> None:
    path = write_bundle(build_bundle())
    sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
