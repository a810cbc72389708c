"""`understand`: one utterance in, intent + confidence + entities + language out."""

from __future__ import annotations

import threading
from typing import NamedTuple, cast

from messenger_bank.conversation.nlu.bundle import OUT_OF_SCOPE, read_bundle
from messenger_bank.conversation.nlu.classifier import TextClassifier
from messenger_bank.conversation.nlu.entities import Extraction, extract
from messenger_bank.conversation.nlu.models import MONEY_MOVING_INTENTS, Understanding
from messenger_bank.conversation.nlu.text import swap_layout
from messenger_bank.types import Language

# Below this probability the bot says it did not understand and shows the menu. Set by hand so that
# gibberish and off-topic text fall below it; bench/nlu.py prints how many held-out utterances it
# rejects. Out-of-scope phrases in the training data catch most of the rest.
CONFIDENCE_THRESHOLD = 0.45
# A money-moving intent needs more certainty: a text that does not ask to move money must never start a
# transfer or a payment, and one that does but reads unsure is better asked again (bench: the confusion).
MONEY_MOVING_THRESHOLD = 0.6
# With no letters to go by ("50", "👍"), answer in the language most customers speak.
DEFAULT_LANGUAGE: Language = "ru"
# Texts longer than this are cut before classification: intent words come first, and a 10 kB paste
# must not cost a 10 kB feature extraction.
MAX_TEXT = 500


class _Models(NamedTuple):
    intents: TextClassifier
    cyrillic_language: TextClassifier
    latin_language: TextClassifier


_lock = threading.Lock()
_models: _Models | None = None


def _load() -> _Models:
    """The models, read once per process; the lock makes concurrent first calls load once."""
    global _models
    if _models is None:
        with _lock:
            if _models is None:
                bundle = read_bundle()
                _models = _Models(
                    TextClassifier.from_file(bundle.intents),
                    TextClassifier.from_file(bundle.cyrillic_language),
                    TextClassifier.from_file(bundle.latin_language),
                )
    return _models


def warm_up() -> None:
    """Loads the models now (call it at import time of a Lambda to pay the cost at init)."""
    _load()


def guess_language(text: str, models: _Models | None = None) -> Language:
    models = models or _load()
    cyrillic = sum(1 for char in text if "\u0400" <= char <= "\u04ff")
    latin = sum(1 for char in text if char.isascii() and char.isalpha())
    if not cyrillic and not latin:
        return DEFAULT_LANGUAGE
    model = models.cyrillic_language if cyrillic > latin else models.latin_language
    return cast(Language, model.predict(text)[0][0])


class _Reading(NamedTuple):
    head: str
    masked: str
    intent: str | None
    confidence: float
    out_of_scope: bool
    known_share: float


def _read(head: str, models: _Models) -> tuple[_Reading, Extraction]:
    extraction = extract(head)
    ranked = models.intents.predict(extraction.masked)
    best_intent, confidence = next((label, p) for label, p in ranked if label != OUT_OF_SCOPE)
    top_label, top_probability = ranked[0]
    threshold = MONEY_MOVING_THRESHOLD if best_intent in MONEY_MOVING_INTENTS else CONFIDENCE_THRESHOLD
    intent = best_intent if top_label != OUT_OF_SCOPE and confidence >= threshold else None
    known = models.intents.known_share(extraction.masked)
    # A text with no word at all (empty, only spaces or signs) is nobody's request: the model's answer for it
    # is only its classes' priors, which move whenever an intent is added, so it is never out of scope.
    said = any(char.isalnum() for char in extraction.masked)
    out_of_scope = said and top_label == OUT_OF_SCOPE and top_probability >= CONFIDENCE_THRESHOLD
    return _Reading(head, extraction.masked, intent, confidence, out_of_scope, known), extraction


def understand(text: str) -> Understanding:
    """Intent, confidence, entities and language of one utterance; never raises on any text."""
    models = _load()
    reading, extraction = _read(text[:MAX_TEXT], models)
    if reading.intent is None:
        # Not understood: perhaps typed on the other keyboard layout ("ghbdtn"). The swapped text wins
        # only if more of its words are words the model knows, so gibberish stays gibberish.
        swapped, swapped_extraction = _read(swap_layout(reading.head), models)
        if swapped.intent is not None and swapped.known_share > reading.known_share:
            reading, extraction = swapped, swapped_extraction
    return Understanding(
        text=text,
        intent=reading.intent,
        confidence=round(reading.confidence, 4),
        entities=extraction.entities,
        language=guess_language(reading.head, models),
        out_of_scope=reading.out_of_scope,
    )
