"""The training phrases and the held-out set: complete, and never overlapping."""

from __future__ import annotations

from bench.nlu import heldout_by_kind, load_heldout, load_heldout_kinds
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
        for intents in load_heldout_kinds(language).kinds.values():
            for phrases in intents.values():
                texts.extend(phrases)
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


def test_the_kinds_of_writing_name_only_known_intents_and_are_reported_with_the_everyday_set() -> None:
    # Given the held-out set by kind of writing (translit, slang, providers, typos, layout, emoji...)
    for language in LANGUAGES:
        kinds = load_heldout_kinds(language).kinds
        # Then every utterance is labelled with an intent of the model or out of scope
        labels = {intent for intents in kinds.values() for intent in intents}
        assert labels <= {*INTENTS, OUT_OF_SCOPE}, language
        # And the bench reports each kind beside the everyday set, none of them empty
        reported = heldout_by_kind(language)
        assert set(reported) == {"everyday", *kinds}, language
        assert all(reported.values()), language
