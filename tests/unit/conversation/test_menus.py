"""The bot's menus set when going live: built from commands.yaml and the catalogue, within each platform's rules."""

from __future__ import annotations

import re

import pytest

from messenger_bank.channels.messenger import MessengerAdapter
from messenger_bank.conversation import menus
from messenger_bank.conversation.catalogue import text
from messenger_bank.conversation.engine.routing import match_command
from messenger_bank.types import LANGUAGES, Language

# Telegram's BotCommand (Bot API docs), written out here so the check does not lean on the code's own constant.
COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def test_the_default_list_and_one_per_language_are_set() -> None:
    sets = menus.telegram_command_sets(default="ru")
    assert [language for language, _ in sets] == ["", "ru", "be", "en"]
    assert sets[0][1] == dict(sets)["ru"]  # the default list is in the bank's default language


@pytest.mark.parametrize("language", LANGUAGES)
def test_telegram_commands_are_command_words_described_in_the_catalogue(language: Language) -> None:
    commands = menus.telegram_commands(language)
    names = [entry["command"] for entry in commands]
    assert names[0] == "start" and {"menu", "help", "language", "cancel"} <= set(names)
    assert len(names) == len(set(names)) <= 100
    for entry in commands:
        assert COMMAND.fullmatch(entry["command"])
        assert 1 <= len(entry["description"]) <= 256
        assert entry["description"] == text(f"commands.{entry['command']}", language)
        if entry["command"] != "start":  # typed without the menu, the same word works (commands.yaml)
            assert match_command("/" + entry["command"]) == entry["command"]


def test_a_command_that_is_no_global_command_word_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(menus, "TELEGRAM_COMMANDS", ("start", "balance"))
    with pytest.raises(menus.MenuError, match="balance"):
        menus.telegram_commands("en")


def test_a_description_over_256_characters_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(menus, "text", lambda key, language: "x" * 257)
    with pytest.raises(menus.MenuError, match="257"):
        menus.telegram_commands("en")
    monkeypatch.setattr(menus, "text", lambda key, language: "x" * 256)
    assert len(menus.telegram_commands("en")[0]["description"]) == 256


def test_the_messenger_profile_has_get_started_and_a_menu_per_locale() -> None:
    profile = menus.messenger_profile(default="ru")
    assert profile["get_started"]["payload"] == menus.GET_STARTED_PAYLOAD
    locales = [menu["locale"] for menu in profile["persistent_menu"]]
    assert locales == ["default", "ru_RU", "be_BY", "en_US"]
    assert profile["persistent_menu"][0]["call_to_actions"] == profile["persistent_menu"][1]["call_to_actions"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_messenger_menu_items_are_global_buttons_within_limits(language: Language) -> None:
    locale = {"ru": "ru_RU", "be": "be_BY", "en": "en_US"}[language]
    menu = next(m for m in menus.messenger_profile()["persistent_menu"] if m["locale"] == locale)
    items = menu["call_to_actions"]
    assert 1 <= len(items) <= 20
    assert [item["payload"] for item in items] == ["mb:g:menu", "mb:g:help", "mb:g:language"]
    for item in items:
        assert item["type"] == "postback"
        assert 1 <= len(item["title"]) <= 30 and len(item["payload"]) <= 1000
    assert items[0]["title"] == text("nav.menu", language)


def _postback(payload: str) -> dict[str, object]:
    return {
        "object": "page",
        "entry": [
            {
                "id": "PAGE",
                "time": 1,
                "messaging": [
                    {
                        "sender": {"id": "PSID1"},
                        "recipient": {"id": "PAGE"},
                        "timestamp": 1_764_000_000_000,
                        "postback": {"mid": "m1", "title": "x", "payload": payload},
                    }
                ],
            }
        ],
    }


def test_the_messenger_adapter_reads_the_profile_payloads_as_a_start_and_as_global_buttons() -> None:
    import json

    adapter = MessengerAdapter()
    profile = menus.messenger_profile()
    started = adapter.parse(json.dumps(_postback(profile["get_started"]["payload"])).encode())
    assert [event.kind for event in started] == ["start"]
    for item in profile["persistent_menu"][0]["call_to_actions"]:
        pressed = adapter.parse(json.dumps(_postback(item["payload"])).encode())
        assert [(event.kind, event.button) for event in pressed] == [("button", item["payload"].removeprefix("mb:"))]
