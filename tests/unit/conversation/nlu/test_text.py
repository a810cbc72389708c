"""Text normalisation: the wrong keyboard layout and Belarusian Łacinka, one defect per case."""

from __future__ import annotations

import pytest

from messenger_bank.conversation.nlu.text import fold, swap_layout


@pytest.mark.parametrize(
    ("typed", "meant", "defect"),
    [
        ("ghbdtn", "привет", "a Russian word typed on the English layout is not read back"),
        ("GHBDTN", "ПРИВЕТ", "capitals are lost or left Latin"),
        ("he,kz", "рубля", "a comma inside a word is the key of б, not punctuation"),
        ("ghbdtn, rfr ltkf?", "привет, как дела?", "a comma or question mark after a word is taken for a key"),
        ("gthtdtlb 50 he,ktq", "переведи 50 рублей", "digits are changed or the words around them are not"),
        ("покажи ,fkfyc", "покажи баланс", "a Cyrillic word in a mixed text is changed too"),
        ("pf[jlb", "заходи", "the [ key is not read as х"),
        ("руддщ", "hello", "an English word typed on the Russian layout is not read back"),
        ("ршыещкн 2024", "history 2024", "digits in a Cyrillic-keyed text are changed"),
    ],
)
def test_text_typed_on_the_other_layout_is_read_as_meant(typed: str, meant: str, defect: str) -> None:
    assert swap_layout(typed) == meant, defect


def test_swapping_twice_gives_the_text_back_for_letters() -> None:
    # Given a Russian word typed on the English layout, swapped to Cyrillic and back to the keys
    assert swap_layout(swap_layout("ghbdtn")) == "ghbdtn"


def test_a_text_without_letters_is_left_as_it_is() -> None:
    assert swap_layout("50 + 50 = 100 🙂") == "50 + 50 = 100 🙂"


@pytest.mark.parametrize(
    ("lacinka", "cyrillic"),
    [("płacić", "плаціць"), ("žonka", "жонка"), ("čas", "час"), ("šmat", "шмат"), ("hrošaŭ", "hroshau")],
)
def test_lacinka_and_czech_style_translit_fold_like_cyrillic(lacinka: str, cyrillic: str) -> None:
    # ł would vanish and č/š/ž would lose their hooks without the Łacinka table
    assert fold(lacinka) == fold(cyrillic)
