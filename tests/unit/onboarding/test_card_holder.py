"""The holder's name on the card picture: first name then surname, in Latin (close to the passport's
transliteration) and in Cyrillic, whichever script the applicant typed, at most 26 characters each. The expected
names are written out by hand."""

from __future__ import annotations

import pytest

from messenger_bank.onboarding.names import card_holder, to_cyrillic, to_latin


@pytest.mark.parametrize(
    ("full_name", "latin", "cyrillic"),
    [
        pytest.param("Иванов Иван Иванович", "IVAN IVANOV", "ИВАН ИВАНОВ", id="cyrillic-patronymic-dropped"),
        pytest.param("Ivanov Ivan", "IVAN IVANOV", "ИВАН ИВАНОВ", id="latin-surname-first"),
        pytest.param("Шчэрбач Юлія", "IULIIA SHCHERBACH", "ЮЛІЯ ШЧЭРБАЧ", id="belarusian-letters"),
        pytest.param("Cher", "CHER", "ЧЕР", id="one-word-as-typed"),
        pytest.param("Zhukov Shchors", "SHCHORS ZHUKOV", "ЩОРС ЖУКОВ", id="longest-latin-groups-first"),
        pytest.param("Max Xena", "XENA MAX", "КСЕНА МАКС", id="x-is-two-letters"),
        pytest.param("O'Neil Anne-Marie", "ANNE-MARIE O'NEIL", "АННЕ-МАРИЕ О'НЕИЛ", id="other-characters-kept"),
    ],
)
def test_the_holder_is_first_name_then_surname_in_both_scripts(full_name: str, latin: str, cyrillic: str) -> None:
    assert card_holder(full_name) == (latin, cyrillic)


@pytest.mark.parametrize(
    ("letter", "cyrillic"),
    [("\u03ff", False), ("\u0400", True), ("\u04ff", True), ("\u0500", False)],
    ids=["before-the-cyrillic-block", "its-first-letter", "its-last-letter", "after-it"],
)
def test_a_name_is_cyrillic_when_it_has_a_letter_of_the_cyrillic_block(letter: str, cyrillic: bool) -> None:
    _, shown_cyrillic = card_holder(f"{letter} ab")

    # A Cyrillic name is shown as typed (Latin "AB" included); a Latin one is transliterated ("АБ").
    assert shown_cyrillic.startswith("AB ") is cyrillic
    assert shown_cyrillic.startswith("АБ ") is not cyrillic


@pytest.mark.parametrize(
    ("surname", "latin_26"),
    [
        pytest.param("A" * 23, "B " + "A" * 23, id="25-characters-whole"),
        pytest.param("A" * 24, "B " + "A" * 24, id="26-characters-whole"),
        pytest.param("A" * 25, "B " + "A" * 24, id="27-characters-cut-to-26"),
    ],
)
def test_a_holder_is_at_most_26_characters_in_each_script(surname: str, latin_26: str) -> None:
    latin, cyrillic = card_holder(f"{surname} B")

    assert latin == latin_26
    assert cyrillic == latin_26.replace("A", "А").replace("B", "Б")


def test_a_cyrillic_holder_is_cut_to_26_characters_in_each_script() -> None:
    latin, cyrillic = card_holder("Щ" * 25 + " Я")

    assert cyrillic == "Я " + "Щ" * 24
    assert latin == "IA " + "SHCH" * 5 + "SHC"  # the Latin is cut after transliteration


def test_transliteration_keeps_what_it_has_no_letter_for() -> None:
    assert to_latin("Ян-2 ёж") == "IAN-2 IOZH"
    assert to_cyrillic("Yan-2 yozh") == "ЯН-2 ЫОЖ"
