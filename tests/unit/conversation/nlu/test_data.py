"""The training phrases and the held-out set: complete, and never overlapping."""

from __future__ import annotations

from bench.nlu import load_heldout
from local.devtools.nlu_training import load_phrases
from messenger_bank.conversation.nlu import INTENTS
from messenger_bank.conversation.nlu.bundle import OUT_OF_SCOPE
from messenger_bank.conversation.nlu.text import fold
from messenger_bank.types import LANGUAGES

MIN_HELDOUT_PER_INTENT = 10


def heldout_texts() -> list[str]:
    texts: list[str] = []
    for language in LANGUAGES:
        heldout = load_heldout(language)
        for phrases in heldout.intents.values():
            texts.extend(phrases)
        texts.extend(heldout.out_of_scope)
    return texts


def test_every_intent_has_training_phrases_in_every_language() -> None:
    phrases = load_phrases()
    for language in LANGUAGES:
        trained = {phrase.intent for phrase in phrases if phrase.language == language}
        assert trained == {*INTENTS, OUT_OF_SCOPE}, language


def test_the_heldout_set_has_at_least_ten_utterances_per_intent_and_language() -> None:
    for language in LANGUAGES:
        intents = load_heldout(language).intents
        assert set(intents) == set(INTENTS), language
        assert all(len(texts) >= MIN_HELDOUT_PER_INTENT for texts in intents.values()), language


def test_no_heldout_utterance_appears_in_the_training_data() -> None:
    # Given every training phrase in the form the model sees (folded: case, script, punctuation,
    # doubled letters and translit spellings removed), a stricter test than equal strings
    trained = {fold(phrase.text) for phrase in load_phrases()}
    # When each held-out utterance is folded the same way
    overlap = [text for text in heldout_texts() if fold(text) in trained]
    # Then none of them was seen in training
    assert overlap == []
