"""Going live sets the bot's menus (local/go_live.py) on the fake platforms, which refuse what the real ones do:
Telegram's command rules (setMyCommands) and Messenger's profile rules (Get Started, persistent menu)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from local.go_live import register_messenger_profile, register_telegram_commands
from local.platforms import PlatformsServer
from messenger_bank.conversation.menus import messenger_profile, telegram_command_sets

from .conftest import SECRETS

TG = f"/bot{SECRETS.telegram_bot_token}"
PROFILE = "/v23.0/me/messenger_profile"
PAGE = {"Authorization": f"Bearer {SECRETS.messenger_page_access_token}"}
OK_COMMAND = {"command": "menu", "description": "Main menu"}


def test_going_live_sets_telegram_commands_read_back_per_language(
    client: httpx.Client, platforms: PlatformsServer
) -> None:
    outcomes = register_telegram_commands(platforms.base_url, SECRETS.telegram_bot_token)
    assert [(language, done) for language, done, _ in outcomes] == [
        ("default", True),
        ("ru", True),
        ("be", True),
        ("en", True),
    ]
    for language, commands in telegram_command_sets():
        read = client.post(f"{TG}/getMyCommands", json={"language_code": language} if language else {}).json()
        assert read == {"ok": True, "result": commands}
    # A language with no list of its own gets nothing of a dedicated one (the default applies on Telegram's side).
    assert client.post(f"{TG}/getMyCommands", json={"language_code": "de"}).json()["result"] == []


def test_going_live_sets_messenger_get_started_and_menu(platforms: PlatformsServer) -> None:
    assert register_messenger_profile(platforms.base_url, "v23.0", SECRETS.messenger_page_access_token) == (
        True,
        "success",
    )
    stored = platforms.platforms.store.messenger_profile
    assert stored == messenger_profile()
    assert platforms.platforms.store.messenger_get_started == messenger_profile()["get_started"]["payload"]


def test_a_refused_call_is_reported_not_hidden(platforms: PlatformsServer) -> None:
    done, detail = register_messenger_profile(platforms.base_url, "v23.0", "wrong-token")
    assert not done and detail
    outcomes = register_telegram_commands(platforms.base_url, "123456:wrong")
    assert not any(done for _, done, _ in outcomes)


def _set_commands(client: httpx.Client, commands: list[Any], **extra: Any) -> httpx.Response:
    return client.post(f"{TG}/setMyCommands", json={"commands": commands, **extra})


@pytest.mark.parametrize(
    ("defect", "commands", "extra", "error"),
    [
        ("upper case", [{**OK_COMMAND, "command": "Menu"}], {}, "BOT_COMMAND_INVALID"),
        ("a dash", [{**OK_COMMAND, "command": "main-menu"}], {}, "BOT_COMMAND_INVALID"),
        ("empty command", [{**OK_COMMAND, "command": ""}], {}, "BOT_COMMAND_INVALID"),
        ("33 characters", [{**OK_COMMAND, "command": "m" * 33}], {}, "BOT_COMMAND_INVALID"),
        ("empty description", [{**OK_COMMAND, "description": ""}], {}, "BOT_COMMAND_DESCRIPTION_INVALID"),
        ("257 characters", [{**OK_COMMAND, "description": "d" * 257}], {}, "BOT_COMMAND_DESCRIPTION_INVALID"),
        ("101 commands", [{**OK_COMMAND, "command": f"c{i}"} for i in range(101)], {}, "BOT_COMMANDS_TOO_MUCH"),
        ("a locale, not a language", [OK_COMMAND], {"language_code": "ru_RU"}, "invalid language code specified"),
        ("three letters", [OK_COMMAND], {"language_code": "rus"}, "invalid language code specified"),
    ],
)
def test_telegram_refuses_commands_out_of_its_rules(
    client: httpx.Client, defect: str, commands: list[Any], extra: dict[str, Any], error: str
) -> None:
    refused = _set_commands(client, commands, **extra)
    assert refused.status_code == 400, defect
    assert refused.json() == {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}
    assert client.post(f"{TG}/getMyCommands", json={}).json()["result"] == []  # nothing was set


def test_telegram_takes_the_limits_themselves(client: httpx.Client) -> None:
    at_limits = [{"command": "m" * 32, "description": "d" * 256}] + [
        {"command": f"c{i}", "description": "x"} for i in range(99)
    ]
    assert _set_commands(client, at_limits, language_code="be").json() == {"ok": True, "result": True}
    assert len(client.post(f"{TG}/getMyCommands", json={"language_code": "be"}).json()["result"]) == 100
    assert client.post(f"{TG}/deleteMyCommands", json={"language_code": "be"}).json()["result"] is True
    assert client.post(f"{TG}/getMyCommands", json={"language_code": "be"}).json()["result"] == []


def _menu(**changes: Any) -> dict[str, Any]:
    profile = messenger_profile()
    profile["persistent_menu"][0].update(changes)
    return profile


def _items(count: int, title: str = "Menu", payload: str = "mb:g:menu") -> list[dict[str, str]]:
    return [{"type": "postback", "title": title, "payload": payload}] * count


@pytest.mark.parametrize(
    ("defect", "body", "error"),
    [
        ("no get started", {"persistent_menu": messenger_profile()["persistent_menu"]}, "Get Started"),
        ("no default locale", _menu(locale="ru_BY"), "default"),
        ("21 items", _menu(call_to_actions=_items(21)), "at most 20"),
        ("title of 31", _menu(call_to_actions=_items(1, title="t" * 31)), "title must be at most 30"),
        ("payload of 1001", _menu(call_to_actions=_items(1, payload="p" * 1001)), "payload must be at most 1000"),
    ],
)
def test_messenger_refuses_a_profile_out_of_its_rules(
    client: httpx.Client, platforms: PlatformsServer, defect: str, body: dict[str, Any], error: str
) -> None:
    refused = client.post(PROFILE, headers=PAGE, json=body)
    assert refused.status_code == 400, defect
    assert refused.json()["error"]["code"] == 100
    assert error in str(refused.json()["error"])
    assert "persistent_menu" not in platforms.platforms.store.messenger_profile  # nothing was set


def test_messenger_takes_the_limits_themselves(client: httpx.Client, platforms: PlatformsServer) -> None:
    body = _menu(call_to_actions=_items(20, title="t" * 30, payload="p" * 1000))
    assert client.post(PROFILE, headers=PAGE, json=body).json() == {"result": "success"}
    # Get Started set before is enough for a later menu of its own.
    alone = {"persistent_menu": messenger_profile()["persistent_menu"]}
    assert client.post(PROFILE, headers=PAGE, json=alone).json() == {"result": "success"}
