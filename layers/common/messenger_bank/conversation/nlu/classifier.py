"""A text classifier in pure Python: character n-gram TF-IDF and multinomial logistic regression.

Why this and nothing heavier: it must run inside a Lambda with no numpy in the layer, answer in well
under a millisecond, and survive typos. Character n-grams of the folded key (see `text.fold`) make
"perevod", "перевод" and "пеервод" share most features; a linear model over them is the classic
strong baseline for short-text intents. This is the prediction side; training (stochastic gradient
descent with a fixed seed) is a development tool: local/devtools/nlu_training.py.
"""

from __future__ import annotations

import base64
import math
from array import array
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.conversation.nlu.text import fold, words

FORMAT_VERSION = 1


class TrainingSettings(BaseModel):
    """How features are built and how long the model learns; stored with the model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fold: bool = True  # False keeps the script: telling Russian from Belarusian needs і and ў
    min_n: int = Field(default=2, ge=1)
    max_n: int = Field(default=4, ge=1)
    word_features: bool = True
    # Pairs of neighbouring words ("card arrived" is not "arrived card"): the order that single words
    # and character n-grams lose; off by default so that older model files read the same.
    word_pairs: bool = False
    epochs: int = Field(default=12, ge=1)
    learning_rate: float = Field(default=0.5, gt=0)
    l2: float = Field(default=1e-5, ge=0)
    seed: int = 7


class ModelFile(BaseModel):
    """The serialised model: big numeric tables as base64 float32 arrays so that loading is fast."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int
    settings: TrainingSettings
    labels: tuple[str, ...]
    vocabulary: tuple[str, ...]
    idf: str
    weights: str  # row-major: one row of len(labels) weights per vocabulary entry
    bias: tuple[float, ...]


def _encode(values: array[float]) -> str:
    return base64.b64encode(values.tobytes()).decode("ascii")


def _decode(text: str) -> array[float]:
    values = array("f")
    values.frombytes(base64.b64decode(text))
    return values


def feature_counts(text: str, settings: TrainingSettings) -> Counter[str]:
    """Character n-grams inside each padded folded word, plus the words themselves (and their pairs)."""
    counts: Counter[str] = Counter()
    tokens = fold(text).split() if settings.fold else words(text)
    for word in tokens:
        padded = f" {word} "
        for size in range(settings.min_n, settings.max_n + 1):
            counts.update(padded[i : i + size] for i in range(len(padded) - size + 1))
        if settings.word_features:
            counts["w:" + word] += 1
    if settings.word_pairs:
        counts.update(f"p:{first} {second}" for first, second in pairwise(tokens))
    return counts


def tfidf_vector(counts: Counter[str], index: dict[str, int], idf: Sequence[float]) -> list[tuple[int, float]]:
    """The L2-normalised sublinear TF-IDF vector of feature counts over the known features."""
    pairs = []
    for feature, count in counts.items():
        position = index.get(feature)
        if position is not None:
            pairs.append((position, (1.0 + math.log(count)) * idf[position]))
    norm = math.sqrt(sum(value * value for _, value in pairs)) or 1.0
    return [(position, value / norm) for position, value in pairs]


def softmax(rows: Sequence[Sequence[float]], bias: Sequence[float], vector: list[tuple[int, float]]) -> list[float]:
    """The probability of every label for a vector, under weights `rows` (one per feature) and `bias`."""
    scores: Sequence[float] = bias
    for index, value in vector:
        scores = [score + value * weight for score, weight in zip(scores, rows[index], strict=True)]
    top = max(scores)
    exps = [math.exp(score - top) for score in scores]
    total = sum(exps)
    return [e / total for e in exps]


class TextClassifier:
    """A trained model: predicts a probability for every label of its training data."""

    __slots__ = ("_bias", "_idf", "_index", "_rows", "labels", "settings")

    def __init__(
        self,
        settings: TrainingSettings,
        labels: Sequence[str],
        vocabulary: Sequence[str],
        idf: Sequence[float],
        rows: list[list[float]],
        bias: Sequence[float],
    ) -> None:
        self.settings = settings
        self.labels = tuple(labels)
        self._index = {feature: i for i, feature in enumerate(vocabulary)}
        self._idf = list(idf)
        self._rows = rows
        self._bias = list(bias)

    def vector(self, text: str) -> list[tuple[int, float]]:
        """The L2-normalised sublinear TF-IDF vector of a text over the known features."""
        return tfidf_vector(feature_counts(text, self.settings), self._index, self._idf)

    def known_share(self, text: str) -> float:
        """The share of the words of a text that the model saw in training (0 without word features)."""
        tokens = fold(text).split() if self.settings.fold else words(text)
        return sum(1 for word in tokens if "w:" + word in self._index) / len(tokens) if tokens else 0.0

    def predict(self, text: str) -> list[tuple[str, float]]:
        """Every label with its probability, most probable first."""
        probabilities = softmax(self._rows, self._bias, self.vector(text))
        return sorted(zip(self.labels, probabilities, strict=True), key=lambda pair: -pair[1])

    def to_file(self) -> ModelFile:
        vocabulary = sorted(self._index, key=self._index.__getitem__)
        flat = array("f", (weight for row in self._rows for weight in row))
        return ModelFile(
            format_version=FORMAT_VERSION,
            settings=self.settings,
            labels=self.labels,
            vocabulary=tuple(vocabulary),
            idf=_encode(array("f", self._idf)),
            weights=_encode(flat),
            bias=tuple(self._bias),
        )

    @classmethod
    def from_file(cls, model: ModelFile) -> TextClassifier:
        width = len(model.labels)
        flat = _decode(model.weights).tolist()
        rows = [flat[i : i + width] for i in range(0, len(flat), width)]
        idf = _decode(model.idf).tolist()
        return cls(model.settings, model.labels, model.vocabulary, idf, rows, model.bias)
