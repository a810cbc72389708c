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
import struct
import sys
from array import array
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.conversation.nlu.text import fold, words

# 2: each row of `weights` is already multiplied by its feature's idf (1 stored them unscaled).
FORMAT_VERSION = 3


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
    """The serialised model: big numeric tables as base64 arrays so that loading is fast; the weights as
    half-precision floats (IEEE 754 binary16: three significant digits are more than a softmax over 30 labels
    needs, and the file stays small enough to commit and to load at a cold start)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int
    settings: TrainingSettings
    labels: tuple[str, ...]
    vocabulary: tuple[str, ...]
    idf: str
    weights: str  # row-major: one row of len(labels) weights per vocabulary entry, times its idf
    bias: tuple[float, ...]


def _encode(values: array[float]) -> str:
    return base64.b64encode(values.tobytes()).decode("ascii")


def _decode(text: str) -> array[float]:
    values = array("f")
    values.frombytes(base64.b64decode(text))
    return values


def _encode_half(values: array[float]) -> str:
    # Hand-written: the array module has no half-precision type; struct's "e" format is the standard library's.
    return base64.b64encode(struct.pack(f"<{len(values)}e", *values)).decode("ascii")


def _decode_half(text: str) -> Sequence[float]:
    """The weights as a view on the decoded bytes: a float made only when read. Unpacking the intents' half a
    million weights into Python floats was most of the conversation function's model load (~60 ms)."""
    raw = base64.b64decode(text)
    if sys.byteorder == "little":  # the file's order: a view reads it as it is
        return memoryview(raw).cast("e")  # type: ignore[call-overload,no-any-return]  # typeshed lacks "e"
    return struct.unpack(f"<{len(raw) // 2}e", raw)


@lru_cache(maxsize=65536)
def _word_features(word: str, min_n: int, max_n: int, word_feature: bool) -> tuple[str, ...]:
    """The character n-grams of one padded word (and the word itself): cached, as words repeat."""
    padded = f" {word} "
    grams = [padded[i : i + size] for size in range(min_n, max_n + 1) for i in range(len(padded) - size + 1)]
    if word_feature:
        grams.append("w:" + word)
    return tuple(grams)


def feature_counts(text: str, settings: TrainingSettings) -> Counter[str]:
    """Character n-grams inside each padded folded word, plus the words themselves (and their pairs)."""
    counts: Counter[str] = Counter()
    tokens = fold(text).split() if settings.fold else words(text)
    for word in tokens:
        counts.update(_word_features(word, settings.min_n, settings.max_n, settings.word_features))
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
    """A trained model: predicts a probability for every label of its training data.

    Each feature keeps its idf and its weights already multiplied by that idf: with x_f = (1 + log
    count_f) * idf_f / norm, a label's score is bias + (1 / norm) * sum_f (1 + log count_f) * idf_f * w_f,
    and as most features occur once, the sum is whole rows added up column by column in C instead of a
    Python multiply-add per feature and label (`softmax` over `tfidf_vector` gives the same, slower).
    """

    __slots__ = ("_bias", "_features", "labels", "settings")

    def __init__(
        self,
        settings: TrainingSettings,
        labels: Sequence[str],
        features: dict[str, tuple[float, Sequence[float]]],
        bias: Sequence[float],
    ) -> None:
        self.settings = settings
        self.labels = tuple(labels)
        self._features = features  # feature -> (idf, its row of weights times idf), in vocabulary order
        self._bias = list(bias)

    @classmethod
    def from_weights(
        cls,
        settings: TrainingSettings,
        labels: Sequence[str],
        vocabulary: Sequence[str],
        idf: Sequence[float],
        rows: Sequence[Sequence[float]],
        bias: Sequence[float],
    ) -> TextClassifier:
        """A model from its learnt weights (one row per vocabulary entry, over unscaled TF-IDF)."""
        features: dict[str, tuple[float, Sequence[float]]] = {
            feature: (value, tuple(value * weight for weight in row))
            for feature, value, row in zip(vocabulary, idf, rows, strict=True)
        }
        return cls(settings, labels, features, bias)

    def known_share(self, text: str) -> float:
        """The share of the words of a text that the model saw in training (0 without word features)."""
        tokens = fold(text).split() if self.settings.fold else words(text)
        return sum(1 for word in tokens if "w:" + word in self._features) / len(tokens) if tokens else 0.0

    def scores(self, text: str) -> list[float]:
        """The linear score of every label (the logits of `predict`)."""
        rows: list[Sequence[float]] = []
        squares = 0.0
        for feature, count in feature_counts(text, self.settings).items():
            known = self._features.get(feature)
            if known is None:
                continue
            idf, row = known
            if isinstance(row, memoryview):  # read from the file: made floats on its first use, kept as such
                row = tuple(row)
                self._features[feature] = (idf, row)
            if count == 1:
                squares += idf * idf
                rows.append(row)
            else:
                tf = 1.0 + math.log(count)
                squares += (tf * idf) ** 2
                rows.append(tuple(tf * weight for weight in row))
        if not rows:
            return list(self._bias)
        scale = 1.0 / math.sqrt(squares)
        return [b + total * scale for b, total in zip(self._bias, map(sum, zip(*rows, strict=True)), strict=True)]

    def predict(self, text: str) -> list[tuple[str, float]]:
        """Every label with its probability, most probable first."""
        scores = self.scores(text)
        top = max(scores)
        exps = [math.exp(score - top) for score in scores]
        total = sum(exps)
        return sorted(zip(self.labels, (e / total for e in exps), strict=True), key=lambda pair: -pair[1])

    def to_file(self) -> ModelFile:
        idf = array("f", (value for value, _ in self._features.values()))
        flat = array("f", (weight for _, row in self._features.values() for weight in row))
        return ModelFile(
            format_version=FORMAT_VERSION,
            settings=self.settings,
            labels=self.labels,
            vocabulary=tuple(self._features),
            idf=_encode(idf),
            weights=_encode_half(flat),
            bias=tuple(self._bias),
        )

    @classmethod
    def from_file(cls, model: ModelFile) -> TextClassifier:
        if model.format_version != FORMAT_VERSION:
            raise ValueError(f"model format {model.format_version}, this code reads {FORMAT_VERSION}: rebuild it")
        width = len(model.labels)
        flat = _decode_half(model.weights)
        idf = _decode(model.idf).tolist()
        features = {
            feature: (value, flat[start : start + width])
            for feature, value, start in zip(model.vocabulary, idf, range(0, len(flat), width), strict=True)
        }
        return cls(model.settings, model.labels, features, model.bias)
