"""The classifier's fast prediction against the textbook TF-IDF softmax, and its file format."""

from __future__ import annotations

import base64
import math
import struct
from array import array

import pytest

from local.devtools.nlu_training import train
from messenger_bank.conversation.nlu.classifier import (
    FORMAT_VERSION,
    TextClassifier,
    TrainingSettings,
    feature_counts,
    softmax,
    tfidf_vector,
)

_TEXTS = ["перевести деньги другу", "pereved 50 rublei", "какой баланс", "balans karty", "заблокировать карту"]
_LABELS = ["transfer", "transfer", "balance", "balance", "block_card"]
_SETTINGS = TrainingSettings(epochs=3, word_pairs=True)


def _floats(text: str) -> list[float]:
    values = array("f")
    values.frombytes(base64.b64decode(text))
    return values.tolist()


def _halves(text: str) -> list[float]:
    raw = base64.b64decode(text)
    return list(struct.unpack(f"<{len(raw) // 2}e", raw))


def _reference(model: TextClassifier, text: str) -> dict[str, float]:
    """The probabilities as the model's definition says: softmax of unscaled weights over the TF-IDF vector."""
    file = model.to_file()
    idf, flat, width = _floats(file.idf), _halves(file.weights), len(file.labels)
    rows = [[weight / idf[i] for weight in flat[i * width : (i + 1) * width]] for i in range(len(idf))]
    index = {feature: i for i, feature in enumerate(file.vocabulary)}
    probabilities = softmax(rows, file.bias, tfidf_vector(feature_counts(text, model.settings), index, idf))
    return dict(zip(file.labels, probabilities, strict=True))


@pytest.mark.parametrize("text", ["перевести перевести деньги", "balans", "карту карту карту заблокировать", "zzz", ""])
def test_prediction_equals_the_softmax_of_the_tfidf_vector(text: str) -> None:
    # Given a model trained on a few phrases, and a text with repeated, known and unknown words
    model = train(_TEXTS, _LABELS, _SETTINGS)
    # When predicted by the fast path (rows times idf added up), Then the probabilities are the textbook ones
    expected = _reference(model, text)
    predicted = dict(TextClassifier.from_file(model.to_file()).predict(text))  # the weights as the file holds them
    assert all(math.isclose(predicted[label], expected[label], abs_tol=1e-6) for label in model.labels)


def test_a_model_read_back_from_its_file_predicts_the_same() -> None:
    model = train(_TEXTS, _LABELS, _SETTINGS)
    reread = TextClassifier.from_file(model.to_file())
    for text in _TEXTS:
        assert [label for label, _ in reread.predict(text)] == [label for label, _ in model.predict(text)]
        assert all(  # the file holds the weights in half precision: three significant digits
            math.isclose(a, b, abs_tol=2e-3)
            for (_, a), (_, b) in zip(reread.predict(text), model.predict(text), strict=True)
        )


def test_a_model_file_of_another_format_is_refused_with_the_rebuild() -> None:
    # Given a file written by an older format (its weights not multiplied by idf)
    file = train(_TEXTS, _LABELS, _SETTINGS).to_file().model_copy(update={"format_version": FORMAT_VERSION - 1})
    # When read, Then it is an error that says to rebuild, never wrong probabilities
    with pytest.raises(ValueError, match="rebuild"):
        TextClassifier.from_file(file)
