"""The message catalogue: every key in every language, with the same placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from messenger_bank.conversation.catalogue import CATALOGUE_DIR, catalogue, load_catalogue, placeholders, text
from messenger_bank.conversation.engine import ENGINE_KEYS
from messenger_bank.types import LANGUAGES

ENGLISH = catalogue()["en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_exists_in_every_language(language: str) -> None:
    messages = catalogue()[language]
    assert sorted(set(ENGLISH) - set(messages)) == []
    assert sorted(set(messages) - set(ENGLISH)) == []


@pytest.mark.parametrize("language", ["ru", "be"])
def test_placeholders_are_the_same_in_every_language(language: str) -> None:
    different = {
        key: (placeholders(ENGLISH[key]), placeholders(value))
        for key, value in catalogue()[language].items()
        if placeholders(value) != placeholders(ENGLISH[key])
    }
    assert different == {}


@pytest.mark.parametrize("key", ENGINE_KEYS)
def test_keys_the_engine_uses_exist(key: str) -> None:
    assert all(key in catalogue()[language] for language in LANGUAGES)


def test_no_text_is_empty() -> None:
    assert [(lang, k) for lang in LANGUAGES for k, v in catalogue()[lang].items() if not v.strip()] == []


def test_text_fills_placeholders_in_the_chosen_language() -> None:
    assert text("card_services.blocked", "en", mask="•• 1111") == "The card •• 1111 is blocked."
    assert text("card_services.blocked", "be", mask="•• 1111") == "Картка •• 1111 заблакавана."


def test_an_unknown_key_or_a_missing_value_never_breaks_a_reply() -> None:
    assert text("no.such.key", "ru") == "no.such.key"
    assert text("card_services.blocked", "ru") == "Карта {mask} заблокирована."


def test_a_missing_key_in_one_language_fails_the_check(tmp_path: Path) -> None:
    for language in LANGUAGES:
        (tmp_path / f"{language}.yaml").write_text("a:\n  b: 'x {n}'\n" + ("  c: y\n" if language != "be" else ""))
    loaded = load_catalogue(tmp_path)
    assert set(loaded["en"]) - set(loaded["be"]) == {"a.c"}


def test_the_catalogue_is_read_with_libyaml_and_reads_as_the_pure_python_parser_reads_it() -> None:
    # The catalogue is read with libyaml's parser (~7x faster, issue 20): a text it read differently would reach
    # customers, so the whole catalogue must be the mapping PyYAML's own SafeLoader makes of the same files.
    assert yaml.__with_libyaml__, "PyYAML without libyaml: the catalogue would be read with the slow parser"

    def pure_python(language: str) -> object:
        return yaml.load((CATALOGUE_DIR / f"{language}.yaml").read_text(encoding="utf-8"), Loader=yaml.SafeLoader)

    from messenger_bank.conversation.catalogue import _flatten

    assert load_catalogue() == {language: _flatten(pure_python(language)) for language in LANGUAGES}


def _button_labels() -> set[str]:
    from messenger_bank.conversation.flows import default_flows

    labels: set[str] = {"nav.menu", "nav.back", "nav.cancel"}
    for flow in default_flows().flows.values():
        for step in flow.steps:
            labels |= {option.label for option in getattr(step, "options", ())}
            labels |= {button.label for row in getattr(step, "buttons", ()) for button in row}
    return labels


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_button_label_fits_messengers_twenty_characters(language: str) -> None:
    """Messenger cuts a quick reply's or a button's title at 20 characters (MAX_TITLE in its adapter)."""
    from messenger_bank.channels.messenger import MAX_TITLE

    too_long = {key: text(key, language) for key in _button_labels() if len(text(key, language)) > MAX_TITLE}

    assert too_long == {}
