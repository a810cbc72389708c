"""Intents per language, the confidence threshold, the language guess, and robustness."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.nlu import heldout_by_kind
from local.devtools.nlu_training import fingerprint
from messenger_bank.conversation.nlu import (
    CONFIDENCE_THRESHOLD,
    INTENTS,
    MONEY_MOVING_INTENTS,
    Understanding,
    bundle,
    understand,
)
from messenger_bank.types import LANGUAGES


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


@pytest.mark.parametrize(
    "text", ["какие новости сегодня", "кто выиграл в футбол вчера", "what is the capital of spain", "як справы ў цябе"]
)
def test_news_sports_trivia_and_small_talk_are_marked_out_of_scope(text: str) -> None:
    understanding = understand(text)
    assert understanding.intent is None
    assert understanding.out_of_scope


def test_a_text_the_model_has_no_opinion_on_is_not_marked_out_of_scope() -> None:
    # Nothing is out of scope unless the model says so with confidence: empty text gives no answer at all
    assert not understand("").out_of_scope


@pytest.mark.parametrize(
    ("text", "defect"),
    [
        ("сколько стоит новый телефон", "a price of something the bank does not sell is taken for the balance"),
        ("how much does a ticket to paris cost", "an English price question is taken for the balance"),
    ],
)
def test_a_price_question_about_something_else_is_not_a_balance_request(text: str, defect: str) -> None:
    assert understand(text).intent is None, defect


@pytest.mark.parametrize(
    ("text", "intent", "defect"),
    [
        ("ghbdtn", "greeting", "a Russian greeting typed on the English layout is not understood"),
        ("gthtdtcnb ltymub", "transfer", "a Russian request typed on the English layout is not understood"),
        ("ифдфтсу", "balance", "an English word typed on the Russian layout is not understood"),
    ],
)
def test_text_typed_on_the_wrong_keyboard_layout_is_understood(text: str, intent: str, defect: str) -> None:
    assert understand(text).intent == intent, defect


def test_an_amount_typed_on_the_wrong_layout_is_found_in_the_swapped_text() -> None:
    understanding = understand("gthtdtlb 50 he,ktq")
    assert understanding.intent == "transfer"
    assert [(e.type, e.value) for e in understanding.entities] == [("amount", "50.00 BYN")]
    assert understanding.language == "ru"


def test_gibberish_typed_on_either_layout_stays_not_understood() -> None:
    # The swapped text wins only when more of its words are known: "йцукен" is "qwerty", still nothing
    assert understand("йцукен").intent is None
    assert understand("qwerty asdf").intent is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("закинь 10 р на велком", "ru"),
        ("пополни мтс на пятерку", "ru"),
        ("оплатить космос тв", "ru"),
        ("продлить проездной на метро", "ru"),
        ("папоўні лайф на 5 рублёў", "be"),
        ("top up my a1 number", "en"),
        ("pay for beltelecom internet", "en"),
    ],
)
def test_a_service_named_by_its_provider_is_a_payment_never_a_top_up(text: str, language: str) -> None:
    assert understand(text).intent == "pay", language


def test_no_heldout_utterance_that_does_not_ask_to_move_money_gets_a_money_moving_intent() -> None:
    # Given every held-out utterance (everyday and by kind) labelled with anything but a money-moving intent
    others = [
        text
        for language in LANGUAGES
        for items in heldout_by_kind(language).values()
        for gold, text in items
        if gold not in MONEY_MOVING_INTENTS
    ]
    # When understood, Then none starts a transfer, payment, top-up, card order or money request
    assert [text for text in others if understand(text).intent in MONEY_MOVING_INTENTS] == []


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
