"""Intents per language, the confidence threshold, the language guess, and robustness."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from local.devtools.nlu_training import fingerprint
from messenger_bank.conversation.nlu import CONFIDENCE_THRESHOLD, INTENTS, Understanding, bundle, understand


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("привет!", "greeting"),
        ("сколько денег у меня на карте", "balance"),
        ("срочно заблокируйте карту, её украли", "block_card"),
        ("хочу перевести деньги другу", "transfer"),
        ("оплатить интернет", "pay"),
        ("позовите оператора", "operator"),
    ],
)
def test_russian_utterances_get_their_intent(text: str, intent: str) -> None:
    assert understand(text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("прывітанне", "greeting"),
        ("колькі грошай на картцы", "balance"),
        ("заблакіруйце картку", "block_card"),
        ("перавесці грошы сябру", "transfer"),
        ("аплаціць камуналку", "pay"),
        ("змяніць мову", "language"),
    ],
)
def test_belarusian_utterances_get_their_intent(text: str, intent: str) -> None:
    assert understand(text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hello there", "greeting"),
        ("what's my balance", "balance"),
        ("I lost my card", "block_card"),
        ("send money to my friend", "transfer"),
        ("top up my card from another bank", "topup"),
        ("show my transaction history", "history"),
    ],
)
def test_english_utterances_get_their_intent(text: str, intent: str) -> None:
    assert understand(text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("balans", "balance"),
        ("perevod", "transfer"),
        ("pereved 50 rublei", "transfer"),
        ("баланc", "balance"),  # a Latin "c" inside a Cyrillic word
        ("заблакирувать картку", "block_card"),  # Belarusian misspelt with a Russian "и"
        ("razblokirovat kartochku", "unblock_card"),
    ],
)
def test_transliteration_typos_and_mixed_scripts_are_understood(text: str, intent: str) -> None:
    assert understand(text).intent == intent


@pytest.mark.parametrize("text", ["asdkjh qwe zzz", "ыфвфыв олдж", "🙂🙂🙂", "", "   ", "какая погода завтра"])
def test_gibberish_and_off_topic_text_fall_below_the_threshold(text: str) -> None:
    # Given text the bank cannot act on, When understood
    understanding = understand(text)
    # Then there is no intent, so the bot says it did not understand and shows the menu
    assert understanding.intent is None


def test_a_confident_answer_is_at_or_above_the_threshold() -> None:
    understanding = understand("заблокировать карту")
    assert understanding.intent == "block_card"
    assert understanding.confidence >= CONFIDENCE_THRESHOLD


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("сколько денег на карте", "ru"),
        ("колькі грошай на картцы", "be"),
        ("how much money do I have", "en"),
        ("balans karty", "ru"),
        ("50", "ru"),
    ],
)
def test_the_language_of_the_text_is_guessed(text: str, language: str) -> None:
    assert understand(text).language == language


def test_the_shipped_model_matches_the_training_phrases_and_code() -> None:
    # The fingerprint is of the phrases and the feature and training code now; the shipped bundle's is
    # of those it was built from. When this fails: python -m local.devtools.nlu_training, and commit
    # nlu/data/model.json.gz.
    assert bundle.read_bundle().fingerprint == fingerprint()


def test_concurrent_calls_agree() -> None:
    # Given several threads understanding the same text at once
    results: list[str | None] = []

    def work() -> None:
        results.append(understand("перевод на карту").intent)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then they all get the same answer
    assert results == ["transfer"] * 8


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
        st.text(alphabet="0123456789 -+()$€₽.,рубbynusd", max_size=80),
        # Hypothesis cannot draw 10k characters at once: repeat a drawn piece up to that length.
        st.text(min_size=1, max_size=50).map(lambda piece: (piece * (10_000 // len(piece) + 1))[:10_000]),
    )
)
def test_understand_never_raises_on_any_text(text: str) -> None:
    understanding = understand(text)
    assert isinstance(understanding, Understanding)
    assert understanding.intent is None or understanding.intent in INTENTS
    assert 0.0 <= understanding.confidence <= 1.0


def test_understand_handles_ten_thousand_characters_and_emoji() -> None:
    understanding = understand("😀" * 5_000 + "баланс" * 1_000)
    assert understanding.text.startswith("😀")


def test_a_missing_model_is_an_error_that_names_the_rebuild_never_training(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given a layer whose model file is missing
    monkeypatch.setattr(bundle, "model_path", lambda: tmp_path / bundle.MODEL_FILE)
    # When the models are read, Then the error says what to run (a Lambda does not train)
    with pytest.raises(FileNotFoundError, match=r"python -m local\.devtools\.nlu_training"):
        bundle.read_bundle()
